import type { Admin } from 'kafkajs';
import { requireTopic } from './missing-topic-error';

/** What rewinding did to one partition of the topic. */
export interface RewoundPartition {
  partition: number;
  /** The group's committed offset before (null: none). */
  committed: number | null;
  /** Where the group now starts. */
  to: number;
  /** The partition's end offset. */
  end: number;
  /** Left where it was: the group had not read up to `since` there yet. */
  kept: boolean;
}

/** Why nothing was rewound: the group has members (Kafka moves a group's offsets only while nobody consumes for it). A missing topic is a MissingTopicError. */
export class RewindRefusedError extends Error {
  override readonly name = 'RewindRefusedError';
}

/**
 * Moves consumer group `groupId`'s committed offsets on `topic` back to the first message (or
 * the first one Kafka stamped at or after `since`), so that its consumers read those messages
 * again when they start: reprocessing the topic. Never forward: a partition the group has not
 * read up to `since` yet stays where it is. Refused while the group has members, before
 * anything is changed (Kafka would refuse the commit of offsets halfway through the partitions).
 */
export async function rewindConsumerGroup(admin: Admin, options: { groupId: string; topic: string; since?: Date }): Promise<RewoundPartition[]> {
  const { groupId, topic, since } = options;
  await requireTopic(admin, topic, 'nothing to rewind (the ingestors create it when they start)');
  const group = (await admin.describeGroups([groupId])).groups.find((g) => g.groupId === groupId);
  if (group && group.members.length > 0) {
    throw new RewindRefusedError(
      `consumer group ${groupId} has ${group.members.length} member(s) (${group.state}): stop its consumers (the ingestors) first; Kafka moves a group's offsets only while nobody consumes for it`,
    );
  }
  const ends = await admin.fetchTopicOffsets(topic);
  const stamped = since ? await admin.fetchTopicOffsetsByTimestamp(topic, since.getTime()) : [];
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const partitions = ends
    .map((end) => {
      const before = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      // where the group reads next now: its committed offset, or the first message (it has read none)
      const next = before >= 0 ? before : Number(end.low);
      const target = since ? Number(stamped.find((t) => t.partition === end.partition)?.offset ?? end.high) : Number(end.low);
      // Reading again never skips: a `since` past what the group has read leaves it where it is
      // (moving it on would lose the messages in between, never ingested).
      return { partition: end.partition, committed: before >= 0 ? before : null, to: Math.min(target, next), end: Number(end.high), kept: target > next };
    })
    .sort((a, b) => a.partition - b.partition);
  await admin.setOffsets({ groupId, topic, partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.to) })) });
  return partitions;
}
