import type { NewsEvent } from '@annals/contracts';
import { factKey, reportDigest } from './report-digest';
import type { ReportEventData, ReportEventMetadata } from './report-events';

/** What decide looks up in a stream's state (a ReportStreamState, or a view over one). */
export interface ReportStreamView {
  reports: { get(reportId: string): string | undefined };
  facts: { get(factKey: string): string | undefined };
}

/** The command: record this validated report. */
export interface RecordReport {
  report: NewsEvent;
}

export type RecordReportDecision =
  /** New: append this event. */
  | { kind: 'record'; event: { type: NewsEvent['type']; data: ReportEventData; metadata: ReportEventMetadata; occurredAt: string; idempotencyKey: string } }
  /** The same report, redelivered: nothing to do. */
  | { kind: 'duplicate'; reportId: string }
  /** The id is taken by a report with other content. */
  | { kind: 'reject'; reason: 'id-conflict'; detail: string };

/**
 * decide: the domain's one decision for a stream. News arrives late, out of order,
 * repeated and contradicting itself, so a report is never refused for what it says:
 * it is recorded with its provenance, and a report repeating a fact already in the stream
 * is recorded as corroborating the first one (another source, not another membership).
 * Only a report id reused for different content is refused.
 */
export function decideRecordReport(state: ReportStreamView, command: RecordReport): RecordReportDecision {
  const { report } = command;
  const digest = reportDigest(report);
  const stored = state.reports.get(report.id);
  if (stored !== undefined) {
    return stored === digest
      ? { kind: 'duplicate', reportId: report.id }
      : { kind: 'reject', reason: 'id-conflict', detail: `report id ${JSON.stringify(report.id)} is stored already with different content` };
  }
  const key = factKey(report);
  const first = state.facts.get(key);
  const data: ReportEventData = {
    report: { id: report.id, occurredAt: report.occurredAt, source: report.source },
    data: report.data,
    ...(first !== undefined ? { corroborates: first } : {}),
  };
  return {
    kind: 'record',
    event: { type: report.type, data, metadata: { digest, factKey: key }, occurredAt: report.occurredAt, idempotencyKey: report.id },
  };
}
