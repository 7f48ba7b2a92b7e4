import type { Admin } from 'kafkajs';

/** A topic's partitions and their offsets, as Admin.fetchTopicOffsets gives them. */
export type TopicEnds = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

/**
 * Messages on `topic` that consumer group `groupId` has not committed yet, over all partitions.
 * `ends`: the topic's end offsets, when the caller knows nothing is published to it any more
 * (one request fewer per call); fetched otherwise, after the group's offsets: while messages are
 * published and consumed, ends fetched first could be passed by the offsets committed meanwhile,
 * and the lag would come out negative.
 */
export async function consumerLag(admin: Admin, groupId: string, topic: string, ends?: TopicEnds): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const partitions = ends ?? (await admin.fetchTopicOffsets(topic));
  return partitions.reduce((sum, end) => {
    const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
    return sum + Number(end.high) - Math.max(at, Number(end.low));
  }, 0);
}
