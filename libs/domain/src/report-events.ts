import type { NewsEvent, NewsEventType, Source } from '@annals/contracts';

/**
 * What the store records for one accepted report: the report's own data, its valid time and
 * source, and -- when another report in the stream stated the same fact first -- whom it
 * corroborates. The event type is the report's type ("coalition.member-joined", ...).
 */
export type ReportEventData<T extends NewsEventType = NewsEventType> = Extract<NewsEvent, { type: T }>['data'] & {
  reportId: string;
  occurredAt: string;
  source: Source;
  /** The first report of the same fact in this stream, when this one repeats it. */
  corroborates?: string;
};

/** The metadata the domain needs back when it rebuilds a stream's state. */
export type ReportEventMetadata = {
  digest: string;
  factKey: string;
};

/** The minimal view of a recorded event the domain folds over (the store's StoredEvent fits it). */
export interface RecordedEvent {
  type: string;
  data: unknown;
  metadata: Partial<ReportEventMetadata> & Record<string, unknown>;
}

export const REPORT_EVENT_SCHEMA_VERSION = 1;
