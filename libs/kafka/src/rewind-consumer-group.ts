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
}

/** Why nothing was rewound: the group has members (Kafka moves a group's offsets only while nobody consumes for it). A missing topic is a MissingTopicError. */
export class RewindRefusedError extends Error {
  override readonly name = 'RewindRefusedError';
}

/**
 * Moves consumer group `groupId`'s committed offsets on `topic` back to the first message (or
 * the first one Kafka stamped at or after `since`), so that its consumers read those messages
 * again when they start: reprocessing the topic. Refused while the group has members, before
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
  const targets = since ? await admin.fetchTopicOffsetsByTimestamp(topic, since.getTime()) : ends.map((e) => ({ partition: e.partition, offset: e.low }));
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.setOffsets({ groupId, topic, partitions: targets });
  return ends
    .map((end) => {
      const before = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      return {
        partition: end.partition,
        committed: before >= 0 ? before : null,
        to: Number(targets.find((t) => t.partition === end.partition)?.offset ?? end.low),
        end: Number(end.high),
      };
    })
    .sort((a, b) => a.partition - b.partition);
}
