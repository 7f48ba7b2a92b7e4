import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { requireTopic } from './missing-topic-error';

/**
 * Reads a whole topic, from its first message to its end at the time of the call, handing each
 * message to `onMessage` (in order within a partition). A throwaway consumer group that commits
 * nothing: reading leaves no trace on the cluster. No such topic: MissingTopicError, saying `missing`.
 * A failure of `onMessage` ends the read, with that error.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, onMessage: (partition: number, message: KafkaMessage) => void | Promise<void>, missing = 'nothing to read'): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    await requireTopic(admin, topic, missing);
    ends = new Map((await admin.fetchTopicOffsets(topic)).filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set(ends.keys());
  if (pending.size === 0) return;

  const consumer = kafka.consumer({ groupId: `annals-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = ends.get(partition);
            if (end === undefined || failed) return;
            // awaited: a reader that sends what it reads reads no faster than it sends
            if (BigInt(message.offset) < end) {
              try {
                await onMessage(partition, message);
              } catch (error) {
                // the caller's failure ends the read: thrown to kafkajs, it would be retried
                // and the consumer restarted, again and again, and the read would never end
                failed = true;
                reject(error);
                return;
              }
            }
            if (BigInt(message.offset) + 1n >= end) {
              pending.delete(partition);
              if (pending.size === 0) resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
