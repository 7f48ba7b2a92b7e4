import { MEMBERSHIP_TYPES, ROLE_KINDS } from '@annals/contracts';

const ROLE_KIND_SET = new Set<string>(ROLE_KINDS);
const ROLE_TYPES = new Set(['coalition.role-started', 'coalition.role-ended']);
const PAIR_TYPES = new Set<string>(MEMBERSHIP_TYPES);

/**
 * The contract's limits on what the read model indexes (report ids, coalition ids, country
 * codes, a report's roles): its indexes are sized for them. Far beyond them, an index entry
 * outgrows what a btree page holds (2.7 kB) and PostgreSQL refuses the whole batch.
 */
const ID = 128;
const COALITION = 64;
const COUNTRY = 2;
const ROLES = 20;

/**
 * What keeps the projection from reading a stored report event (`type` one of the contract's
 * report types, `stored` its data in the current shape), or undefined when it can read it.
 *
 * The ingestor stores only reports that passed the contract, so Annals' own events never have
 * a problem here. It guards against events another writer appended to the store, or an
 * upcaster that got a shape wrong: read as they are, they failed every batch holding them, and
 * the read model stopped at the first one. It checks what the projection reads, as it reads it
 * (toFactRow), not the whole contract, which is the ingestor's to enforce: the ids and times a
 * fact row needs (that the times are dates, timeProblem checks on the row), the pair of a
 * membership report, its roles, a retraction's target, and the lengths of what is indexed. The
 * message names the field and what it holds.
 */
export function reportProblem(type: string, stored: unknown): string | undefined {
  if (!isObject(stored)) return `the event's data is ${shown(stored)}, not an object`;
  const { report, data } = stored;
  if (!isObject(report)) return `data.report is ${shown(report)}, not an object`;
  if (!isText(report.id, ID)) return `data.report.id is ${shown(report.id)}, not a non-empty string of at most ${ID} characters`;
  if (!isText(report.occurredAt)) return `data.report.occurredAt is ${shown(report.occurredAt)}, ${NOT_AN_INSTANT}`;
  const source = report.source;
  if (!isObject(source)) return `data.report.source is ${shown(source)}, not an object`;
  if (source.publishedAt != null && !isText(source.publishedAt)) return `data.report.source.publishedAt is ${shown(source.publishedAt)}, ${NOT_AN_INSTANT}`;
  if (!isObject(data)) return `data.data is ${shown(data)}, not an object`;
  // a membership report's pair; any other report's coalition and country, when it names them
  const pair = PAIR_TYPES.has(type);
  if ((pair || data.coalitionId !== undefined) && !isText(data.coalitionId, COALITION)) {
    return `data.data.coalitionId is ${shown(data.coalitionId)}, not a non-empty string of at most ${COALITION} characters`;
  }
  if ((pair || data.country !== undefined) && !isText(data.country, COUNTRY)) return `data.data.country is ${shown(data.country)}, not a country code`;
  if (type === 'coalition.member-joined' && data.roles !== undefined) {
    if (!Array.isArray(data.roles) || data.roles.length > ROLES) return `data.data.roles is ${shown(data.roles)}, not a list of at most ${ROLES} roles`;
    for (const [i, role] of data.roles.entries()) {
      const problem = roleProblem(role, `data.data.roles[${i}]`);
      if (problem) return problem;
    }
  }
  if (ROLE_TYPES.has(type)) return roleProblem(data.role, 'data.data.role');
  if (type === 'report.retracted' && !isText(data.reportId, ID)) return `data.data.reportId is ${shown(data.reportId)}, not a non-empty string of at most ${ID} characters`;
  return undefined;
}

/**
 * What is wrong with the times of a report that reportProblem passed, once read into its fact
 * row (toFactRow): text that is no date makes an invalid Date. Checked on the row, not the text,
 * so that each time is parsed once: a parse costs about 0.4 µs, and the projector reads
 * thousands of reports per batch.
 */
export function timeProblem(fact: { occurredAt: Date; knownAt: Date }, stored: unknown): string | undefined {
  const report = (stored as { report: { occurredAt: string; source: { publishedAt?: string } } }).report;
  if (!inYears(fact.occurredAt)) return `data.report.occurredAt is ${shown(report.occurredAt)}, ${NOT_AN_INSTANT}`;
  if (!inYears(fact.knownAt)) return `data.report.source.publishedAt is ${shown(report.source.publishedAt)}, ${NOT_AN_INSTANT}`;
  return undefined;
}

/**
 * The contract's years. JavaScript's dates reach far wider (271,821 BC to 275,760 AD) than
 * PostgreSQL's (from 4713 BC), which refuses the batch holding an earlier one; the instants the
 * projector writes are exact up to the year 20,000 (fromEpochMs). NaN (no date) is outside too.
 */
const FIRST_MS = Date.UTC(1000, 0, 1);
const NOT_AN_INSTANT = 'not an instant in the years 1000-9999';
const LAST_MS = Date.UTC(10000, 0, 1) - 1;
const inYears = (date: Date) => date.getTime() >= FIRST_MS && date.getTime() <= LAST_MS;

function roleProblem(role: unknown, field: string): string | undefined {
  if (!isObject(role)) return `${field} is ${shown(role)}, not a role`;
  if (typeof role.kind !== 'string' || !ROLE_KIND_SET.has(role.kind)) return `${field}.kind is ${shown(role.kind)}, not one of ${ROLE_KINDS.join(', ')}`;
  if (role.theater != null && !isText(role.theater, COUNTRY)) return `${field}.theater is ${shown(role.theater)}, not a country code`;
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown, max = Infinity): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;

/** A value as an error message shows it: its JSON, cut short, or what it is when it has none. */
function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  const json = JSON.stringify(value) ?? typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
