import type { Admin } from 'kafkajs';
import { listTopics } from './cluster-metadata';

/**
 * The topic a command names is not on the brokers. Kafka's own answer, "This server does not
 * host this topic-partition", names no topic, and a mistyped name reads like a broken cluster.
 */
export class MissingTopicError extends Error {
  override readonly name = 'MissingTopicError';

  constructor(
    readonly topic: string,
    why: string,
  ) {
    super(`topic "${topic}" does not exist on the brokers: ${why}`);
  }
}

/** Kafka's error code for a topic it does not have, as kafkajs reports it. */
export const isUnknownTopic = (error: unknown): boolean => (error as { type?: unknown } | null)?.type === 'UNKNOWN_TOPIC_OR_PARTITION';

/** Throws MissingTopicError unless `topic` exists. */
export async function requireTopic(admin: Admin, topic: string, why: string): Promise<void> {
  if (!(await listTopics(admin)).includes(topic)) throw new MissingTopicError(topic, why);
}
