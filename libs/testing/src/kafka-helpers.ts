import { Kafka, logLevel, type Message } from 'kafkajs';
import { consumerLag, createTopicsWithLeaders, listTopics, ReliableProducer } from '@annals/kafka';
import { eventually } from './eventually';
import { testServers, uniqueName } from './test-servers';

export function testKafka(): Kafka {
  return new Kafka({ brokers: testServers().kafkaBrokers, clientId: 'annals-test', logLevel: logLevel.NOTHING });
}

/** A topic, dead-letter topic and consumer group no other test uses, as ingestor settings. */
export function ingestorTopics(prefix = 'news'): { KAFKA_TOPIC: string; KAFKA_DLQ_TOPIC: string; KAFKA_GROUP_ID: string } {
  const topic = uniqueName(prefix);
  return { KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: `${topic}-ingestor` };
}

/** Sends messages in batches, the way Annals produces (idempotent, acks=all, one partition per request). */
export async function produce(topic: string, messages: Message[], batchSize = 500): Promise<void> {
  await createTopicIfMissing(topic);
  const producer = new ReliableProducer(testKafka());
  try {
    for (let i = 0; i < messages.length; i += batchSize) await producer.send(topic, messages.slice(i, i + batchSize));
  } finally {
    await producer.disconnect();
  }
}

/** What the broker's auto-creation would do (one partition), for tests that publish before the ingestor starts. */
async function createTopicIfMissing(topic: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    if (!(await listTopics(admin)).includes(topic)) await createTopicsWithLeaders(admin, [{ topic, numPartitions: 1 }]);
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once the group has committed every message of the topic. */
export async function waitForZeroLag(groupId: string, topic: string, timeoutMs = 120_000): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await eventually(
      `consumer group ${groupId} to reach zero lag on ${topic}`,
      async () => {
        try {
          return (await consumerLag(admin, groupId, topic)) === 0 ? true : undefined;
        } catch (error) {
          // a broker still setting up a new topic's partitions answers NOT_LEADER_OR_FOLLOWER
          // and the like for a moment (seen in CI): kafkajs marks those retriable; ask again
          if ((error as { retriable?: boolean }).retriable) return undefined;
          throw error;
        }
      },
      timeoutMs,
      200,
    );
  } finally {
    await admin.disconnect();
  }
}
