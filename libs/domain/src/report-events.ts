import type { NewsEvent, NewsEventType, Source } from '@annals/contracts';

/**
 * What the store records for one accepted report: the report itself (id, valid time, source),
 * its data exactly as sent, and -- when another report in the stream stated the same fact
 * first -- whom it corroborates. The event type is the report's type ("coalition.member-joined", ...).
 * The report's envelope and its data are kept apart: a retraction's data names another
 * report (`data.reportId`), which must never be confused with its own id.
 */
export interface ReportEventData<T extends NewsEventType = NewsEventType> {
  report: { id: string; occurredAt: string; source: Source };
  data: Extract<NewsEvent, { type: T }>['data'];
  /** The first report of the same fact in this stream, when this one repeats it. */
  corroborates?: string;
}

/** The metadata the domain needs back when it rebuilds a stream's state. */
export type ReportEventMetadata = {
  digest: string;
  factKey: string;
};

/**
 * What the domain folds a stream's state from: the report's id (decide makes it the event's
 * idempotency key) and the metadata decide wrote. No payload: a stored event fits it, and so
 * does what a writer reads to rebuild a stream's state (the store's readStreamKeys, with
 * REPORT_STATE_METADATA_KEYS) -- on a long stream the payloads, and then the rest of the
 * metadata, were most of that read's cost.
 */
export interface RecordedEvent {
  idempotencyKey?: string | null;
  metadata: Partial<ReportEventMetadata> & Record<string, unknown>;
}

export const REPORT_EVENT_SCHEMA_VERSION = 1;
