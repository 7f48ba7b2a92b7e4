import type { RecordedEvent, ReportEventData } from './report-events';

/**
 * What decide needs to know about a stream: which reports it holds (and their content
 * digests), and which facts were stated first by which report.
 */
export interface ReportStreamState {
  /** The stream version this state was folded up to; the expected version of the next append. */
  version: number;
  reports: ReadonlyMap<string, string>;
  facts: ReadonlyMap<string, string>;
  /** Coalition streams: the name from the first coalition.formed report, once one arrives. */
  name: string | undefined;
}

export const initialState = (): ReportStreamState => ({ version: 0, reports: new Map(), facts: new Map(), name: undefined });

/** Folds one recorded event into the state. Pure: returns a new state. */
export function evolve(state: ReportStreamState, event: RecordedEvent): ReportStreamState {
  return evolveInPlace({ ...state, reports: new Map(state.reports), facts: new Map(state.facts) }, event);
}

/**
 * The same fold, mutating in place: for the ingestor's hot path, where the state is private
 * to one stream writer and copying its maps per event would dominate the cost.
 */
export function evolveInPlace(state: ReportStreamState, event: RecordedEvent): ReportStreamState {
  const { report, data } = event.data as Partial<ReportEventData>;
  const reports = state.reports as Map<string, string>;
  const facts = state.facts as Map<string, string>;
  if (report?.id && event.metadata.digest) reports.set(report.id, event.metadata.digest);
  if (report?.id && event.metadata.factKey && !facts.has(event.metadata.factKey)) facts.set(event.metadata.factKey, report.id);
  state.version += 1;
  if (state.name === undefined && event.type === 'coalition.formed') state.name = (data as { name?: string } | undefined)?.name;
  return state;
}
