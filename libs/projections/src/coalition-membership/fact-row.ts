import { MEMBERSHIP_TYPES, NEWS_EVENT_TYPES, type Role, type Source } from '@annals/contracts';
import type { StoredEventCore } from '@annals/event-store';
import type { ReportEventData } from '@annals/domain';

/** A report as the read model keeps it: one row of read_model.facts. */
export interface FactRow {
  reportId: string;
  position: number;
  type: string;
  coalitionId: string | null;
  country: string | null;
  roles: Role[];
  retracts: string | null;
  occurredAt: Date;
  /** Knowledge time: source.publishedAt, or when Annals recorded the report. */
  knownAt: Date;
  recordedAt: Date;
  source: Source;
  data: Record<string, unknown>;
}

const REPORT_TYPES = new Set<string>(NEWS_EVENT_TYPES);

/** Whether a stored event is a report (its type one of the contract's), which the projection reads. */
export const isReport = (event: Pick<StoredEventCore, 'type'>): boolean => REPORT_TYPES.has(event.type);

export const MEMBERSHIP_TYPE_SET = new Set<string>(MEMBERSHIP_TYPES);

/** The same types as a list, as statements take them (`type = ANY($n::text[])`). */
export const MEMBERSHIP_TYPE_LIST: string[] = [...MEMBERSHIP_TYPES];

/** The roles a report states: a member-joined report's roles, a role-started or -ended report's one role, none for the others. */
export function rolesStated(type: string, data: Record<string, unknown>): Role[] {
  if (type === 'coalition.member-joined') return (data.roles as Role[] | undefined) ?? [];
  return type === 'coalition.role-started' || type === 'coalition.role-ended' ? [data.role as Role] : [];
}

/**
 * The fact row of a stored report event (isReport), which must be readable (reportProblem finds
 * nothing; timeProblem checks the row): readFacts checks both.
 */
export function toFactRow(event: StoredEventCore): FactRow {
  const { report, data: rawData } = event.data as ReportEventData;
  const data = rawData as Record<string, unknown>;
  const { id: reportId, occurredAt, source } = report;
  return {
    reportId,
    position: event.position,
    type: event.type,
    coalitionId: typeof data.coalitionId === 'string' ? data.coalitionId : null,
    country: typeof data.country === 'string' ? data.country : null,
    roles: rolesStated(event.type, data),
    retracts: event.type === 'report.retracted' ? String(data.reportId) : null,
    occurredAt: new Date(occurredAt),
    knownAt: source.publishedAt ? new Date(source.publishedAt) : event.recordedAt,
    recordedAt: event.recordedAt,
    source,
    data,
  };
}
