import type { Kafka } from 'kafkajs';
import type { KafkaConfig } from '@annals/config';
import { createTopicsWithLeaders } from './create-topics-with-leaders';
import { listTopics } from './cluster-metadata';

/** Messages up to the contract's 1 MiB limit, plus the envelope; dead letters keep whatever was sent. */
const TOPIC_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
const DLQ_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Creates the news topic and its dead-letter topic when they are missing; existing topics
 * are left exactly as their operators configured them.
 */
export async function ensureTopics(kafka: Kafka, config: KafkaConfig): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await listTopics(admin));
    const wanted = [
      { topic: config.KAFKA_TOPIC, maxBytes: TOPIC_MAX_MESSAGE_BYTES },
      { topic: config.KAFKA_DLQ_TOPIC, maxBytes: DLQ_MAX_MESSAGE_BYTES },
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length === 0) return [];
    await createTopicsWithLeaders(
      admin,
      wanted.map((t) => ({
        topic: t.topic,
        numPartitions: config.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
        configEntries: [
          { name: 'max.message.bytes', value: String(t.maxBytes) },
          { name: 'min.insync.replicas', value: String(Math.min(2, config.KAFKA_REPLICATION_FACTOR)) },
        ],
      })),
    );
    return wanted.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}
