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
  /**
   * Set when the letter holds only the beginning of the refused message's value (the dead-letter
   * topic takes smaller messages than the news topic did): the value's whole size in bytes. The
   * whole message stays on its topic, at the original's place, until that topic's retention ends.
   */
  valueCutFrom: 'annals-dlq-value-cut-from',
  /** Set when even the value's beginning left no room for the message's key and headers: "key,headers", which the letter then lacks. */
  dropped: 'annals-dlq-dropped',
} as const;

export const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));
