import type { Kafka, Message, ProducerRecord } from 'kafkajs';
import { ProducerReplacedError, ReliableProducer } from '@annals/kafka';

/**
 * What ReliableProducer does when the broker refuses a send for the producer's idempotence state
 * (kafkajs 2.2.4 would fail every later send of that producer the same way). The Kafka client
 * here is a stub recording calls: the policy under test is ReliableProducer's own; the real
 * broker failover is tests/chaos/kafka-faults.spec.ts.
 */
describe('ReliableProducer after a send refused for its idempotence state', () => {
  const brokerError = (type: string) => Object.assign(new Error(`broker refused: ${type}`), { type, retriable: false });

  function stubKafka(failures: Array<Error | undefined>) {
    const producers: Array<{ sent: Message[][]; disconnected: boolean }> = [];
    const kafka = {
      producer: () => {
        const record = { sent: [] as Message[][], disconnected: false };
        producers.push(record);
        return {
          connect: async () => undefined,
          disconnect: async () => {
            record.disconnected = true;
          },
          send: async ({ messages }: ProducerRecord) => {
            const failure = failures.shift();
            if (failure) throw failure;
            record.sent.push(messages);
            return [{ topicName: 't', partition: 0, errorCode: 0 }];
          },
        };
      },
      admin: () => ({
        connect: async () => undefined,
        disconnect: async () => undefined,
        fetchTopicMetadata: async () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }] }] }),
      }),
    } as unknown as Kafka;
    return { kafka, producers };
  }

  it.each(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH'])(
    '%s: the send fails retriable, the producer is replaced, and the retry goes through a new one',
    async (type) => {
      const { kafka, producers } = stubKafka([brokerError(type)]);
      const producer = new ReliableProducer(kafka);
      const failed = producer.send('t', [{ value: 'letter' }]);
      await expect(failed).rejects.toBeInstanceOf(ProducerReplacedError);
      await expect(failed).rejects.toMatchObject({ retriable: true, brokerError: type });
      await producer.send('t', [{ value: 'letter' }]);
      expect(producers).toHaveLength(2);
      expect(producers[0]!.disconnected).toBe(true);
      expect(producers[0]!.sent).toEqual([]);
      expect(producers[1]!.sent.map((batch) => batch.map((m) => m.value))).toEqual([['letter']]);
    },
  );

  it('another failure is passed on as it was, and the producer is kept', async () => {
    const other = brokerError('REQUEST_TIMED_OUT');
    const { kafka, producers } = stubKafka([other]);
    const producer = new ReliableProducer(kafka);
    await expect(producer.send('t', [{ value: 'x' }])).rejects.toBe(other);
    await producer.send('t', [{ value: 'x' }]);
    expect(producers).toHaveLength(1);
    expect(producers[0]!.disconnected).toBe(false);
  });
});

describe('ReliableProducer looking up a topic while no broker answers', () => {
  it("asks again (kafkajs' TypeError from a null metadata answer), and the send goes through", async () => {
    const sent: Message[][] = [];
    let lookups = 0;
    const kafka = {
      producer: () => ({
        connect: async () => undefined,
        disconnect: async () => undefined,
        send: async ({ messages }: ProducerRecord) => {
          sent.push(messages);
          return [{ topicName: 't', partition: 0, errorCode: 0 }];
        },
      }),
      admin: () => ({
        connect: async () => undefined,
        disconnect: async () => undefined,
        describeConfigs: async () => ({ resources: [] }),
        fetchTopicMetadata: async () => {
          // kafkajs 2.2.4 when every broker's metadata request failed: it reads a null answer
          const metadata = (lookups++ === 0 ? null : { topicMetadata: [{ name: 't', partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }] }] }) as {
            topicMetadata: unknown[];
          };
          return { topics: metadata.topicMetadata };
        },
      }),
    } as unknown as Kafka;
    const producer = new ReliableProducer(kafka);
    await producer.send('t', [{ value: 'letter' }]);
    expect(lookups).toBe(2);
    expect(sent.map((batch) => batch.map((m) => m.value))).toEqual([['letter']]);
  });
});
