import type { Admin, ITopicConfig } from 'kafkajs';
import { fetchTopicMetadata } from './cluster-metadata';

/** Answers a broker gives while a new topic's partitions are still being set up. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Creates the topics (those that exist are left alone) and resolves once every partition of
 * each has a leader. kafkajs' own wait (`waitForLeaders`) retries LEADER_NOT_AVAILABLE only; a
 * broker that has not yet learned of the new topic answers UNKNOWN_TOPIC_OR_PARTITION, and the
 * call then fails although the topic was created (kafkajs issues #1222 and #815; seen here on a
 * broker just restarted). This waits through both, up to `timeoutMs`; a moment when no broker
 * answers at all is asked again by fetchTopicMetadata (cluster-metadata.ts).
 */
export async function createTopicsWithLeaders(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let waitingFor: string;
    try {
      const metadata = await fetchTopicMetadata(admin, names);
      const leaderless = metadata.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length === 0) return;
      waitingFor = `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`;
    } catch (error) {
      const type = (error as { type?: string }).type ?? '';
      if (!NOT_YET.has(type)) throw error;
      waitingFor = `${type} for ${names.join(', ')}`;
    }
    if (Date.now() >= deadline) throw new Error(`created topics not ready after ${timeoutMs} ms: ${waitingFor}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
