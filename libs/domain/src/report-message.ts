import type { ReportEventData } from './report-events';

/**
 * The message of the contract that a stored report event records: what `annals export` writes,
 * and `annals publish` (or any producer) can send again. The event keeps the report as
 * validated (dates as UTC instants), so the message parses to the report stored, with the same
 * digest: sent to the same deployment it is a redelivery, a no-op.
 *
 * Undefined for an event that records no report. `recordedAt`, when given, becomes `source.publishedAt` of a report that had none: its
 * knowledge time was the time Annals recorded it, which a new deployment would not know. (Its
 * content then differs: the deployment it came from would refuse it as an id conflict.)
 */
export function reportMessage(type: string, event: unknown, recordedAt?: Date): Record<string, unknown> | undefined {
  // an event no report made (appended by another writer) has no report to give back
  if (typeof event !== 'object' || event === null || typeof (event as { report?: unknown }).report !== 'object' || (event as { report?: unknown }).report === null) return undefined;
  const { report, data } = event as ReportEventData;
  const source = recordedAt && report.source.publishedAt === undefined ? { ...report.source, publishedAt: recordedAt.toISOString() } : report.source;
  return { id: report.id, type, schemaVersion: 1, occurredAt: report.occurredAt, source, data };
}
