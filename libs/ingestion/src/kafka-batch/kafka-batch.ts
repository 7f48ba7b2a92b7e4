import type { KafkaMessage } from 'kafkajs';

/**
 * One partition's batch as the ingestor sees it, with the controls it needs from the
 * consumer: keep the session alive, learn that the partition was taken away or the
 * process is stopping, and commit once the batch's events are durable.
 */
export interface KafkaBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  heartbeat(): Promise<void>;
  /** False once the consumer stops, or the partition was revoked in a rebalance. */
  isActive(): boolean;
  /** Commits `offset` (the next offset to read) for this partition. */
  commit(offset: string): Promise<void>;
}

export const NEWS_EVENTS_BATCH = 'annals.news-events.batch';
