import type { StoredEventCore } from '@annals/event-store';
import { isReport, toFactRow, type FactRow } from './fact-row';
import { reportProblem, timeProblem } from './report-problem';

/**
 * A stored report event the projection could not read (reportProblem): left out of the read
 * model, recorded in read_model.skipped_events with the reason, and logged. It stays in the
 * store: a projection that learns to read it (a fixed upcaster) takes it in on a rebuild.
 */
export interface SkippedEvent {
  position: number;
  streamId: string;
  type: string;
  reason: string;
}

/**
 * The fact rows of a batch's reports, and the reports it cannot read. Events of other types are
 * not the projection's and are passed over, as before. A report it cannot read is skipped rather
 * than retried: it fails the same way every time, and stopped the read model at it.
 */
export function readFacts(events: ReadonlyArray<StoredEventCore>): { facts: FactRow[]; skipped: SkippedEvent[] } {
  const facts: FactRow[] = [];
  const skipped: SkippedEvent[] = [];
  for (const event of events) {
    if (!isReport(event)) continue;
    let reason = reportProblem(event.type, event.data);
    if (reason === undefined) {
      const fact = toFactRow(event);
      reason = timeProblem(fact, event.data);
      if (reason === undefined) {
        facts.push(fact);
        continue;
      }
    }
    skipped.push({ position: event.position, streamId: event.streamId, type: event.type, reason });
  }
  return { facts, skipped };
}
