import type { RecordedEvent, ReportEventMetadata } from './report-events';

/**
 * What decide needs to know about a stream: which reports it holds (and their content
 * digests), and which facts were stated first by which report. Nothing else: the state is
 * folded from the events' metadata alone (RecordedEvent), so whatever decide does not use
 * would have to be read and carried for every event of the stream.
 */
export interface ReportStreamState {
  /** The stream version this state was folded up to; the expected version of the next append. */
  version: number;
  reports: ReadonlyMap<string, string>;
  facts: ReadonlyMap<string, string>;
}

export const initialState = (): ReportStreamState => ({ version: 0, reports: new Map(), facts: new Map() });

/** Folds one recorded event into the state. Pure: returns a new state. */
export function evolve(state: ReportStreamState, event: RecordedEvent): ReportStreamState {
  return evolveInPlace({ ...state, reports: new Map(state.reports), facts: new Map(state.facts) }, event);
}

/**
 * The metadata keys evolve reads: all a writer need read back of a stream's metadata to rebuild
 * its state (the store's readStreamKeys). A key evolve comes to use must be added here.
 */
export const REPORT_STATE_METADATA_KEYS = ['digest', 'factKey'] as const satisfies ReadonlyArray<keyof ReportEventMetadata>;

/**
 * The same fold, mutating in place: for the ingestor's hot path, where the state is private
 * to one stream writer and copying its maps per event would dominate the cost.
 */
export function evolveInPlace(state: ReportStreamState, event: RecordedEvent): ReportStreamState {
  const reportId = event.idempotencyKey;
  const { digest, factKey } = event.metadata;
  const reports = state.reports as Map<string, string>;
  const facts = state.facts as Map<string, string>;
  if (reportId && digest) reports.set(reportId, digest);
  if (reportId && factKey && !facts.has(factKey)) facts.set(factKey, reportId);
  state.version += 1;
  return state;
}
