/**
 * Headers a dead letter carries besides the original message's own. Values are strings
 * (UTF-8); `annals dlq list` and `annals dlq redrive` read them back.
 */
export const DLQ_HEADERS = {
  reason: 'annals-dlq-reason',
  detail: 'annals-dlq-detail',
  topic: 'annals-dlq-original-topic',
  partition: 'annals-dlq-original-partition',
  offset: 'annals-dlq-original-offset',
  failedAt: 'annals-dlq-failed-at',
  /**
   * Set by `annals dlq redrive` on the message it re-publishes: the letter it came from
   * (`<partition>@<offset>` on the dead-letter topic). When that message is refused again, its
   * new letter carries it, and readers count the earlier letter as replaced by the new one.
   */
  redrivenFrom: 'annals-dlq-redriven-from',
} as const;

export const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));
