import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createTopicsWithLeaders, ensureTopics } from '@annals/kafka';
import { testServers, uniqueName } from '@annals/testing';

/**
 * Topic creation that waits for every partition's leader, through the answers a broker gives
 * while it sets a new topic up (kafkajs' own wait gives up on some of them: issues #1222, #815).
 */
describe('foundation: creating topics', () => {
  const kafka = new Kafka({ brokers: testServers().kafkaBrokers, logLevel: logLevel.NOTHING });
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(() => admin.disconnect());

  it('resolves once every partition has a leader: a message can go to each at once', async () => {
    const topic = uniqueName('created');
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: 6 }]);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0]!.partitions).toHaveLength(6);
    expect(topics[0]!.partitions.every((p) => p.leader >= 0)).toBe(true);
    const producer = kafka.producer();
    await producer.connect();
    const sent = await producer.send({ topic, acks: -1, messages: Array.from({ length: 6 }, (_, partition) => ({ partition, value: `to ${partition}` })) });
    await producer.disconnect();
    expect(sent.map((r) => r.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('leaves an existing topic as it is', async () => {
    const topic = uniqueName('existing');
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: 2 }]);
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: 5 }]);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0]!.partitions).toHaveLength(2);
  });

  it("a topic Kafka refuses fails at once with Kafka's reason, not after the wait", async () => {
    const error = (await createTopicsWithLeaders(admin, [{ topic: 'not a valid topic name!', numPartitions: 1 }], 60_000).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/topic/i);
    expect(error.message).not.toMatch(/not ready after/); // Kafka's refusal, not the end of our wait
  });

  it('ensureTopics creates the news and dead-letter topics with their partitions, then leaves them alone', async () => {
    const topic = uniqueName('news');
    const config = { KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_TOPIC_PARTITIONS: 3, KAFKA_REPLICATION_FACTOR: 1 } as Parameters<typeof ensureTopics>[1];
    expect(await ensureTopics(kafka, config)).toEqual([topic, `${topic}.dlq`]);
    expect(await ensureTopics(kafka, config)).toEqual([]);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic, `${topic}.dlq`] });
    expect(topics.map((t) => t.partitions.length)).toEqual([3, 3]);
  });
});
