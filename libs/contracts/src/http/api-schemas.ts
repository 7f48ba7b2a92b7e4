import { z } from 'zod';
import { coalitionId, reportId, ROLE_KINDS } from '../news-event/primitives';
import { pageLimit, sourceCount } from './page-limit';
import { atParam, fromParam, knownAtParam, toParam } from './query-instant';

/**
 * The HTTP API's parameters and responses: these zod schemas validate requests (400 with the
 * parameter's name otherwise), type the controllers, and generate /openapi.json.
 * Query objects are strict: an unknown parameter is a 400, not silently ignored.
 */

const rfc3339 = z.string().meta({ format: 'date-time', description: 'RFC 3339, UTC', example: '2014-09-19T00:00:00.000Z' });

// ---- parameters -------------------------------------------------------------------------

export const coalitionPath = z.strictObject({ id: coalitionId });
/** Format only: a well-formed code that is no country is a 404 (unknown), not a 400. */
export const countryPath = z.strictObject({ code: z.string().regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166-1 alpha-2 country code, like FR') });
export const reportPath = z.strictObject({ id: reportId });

export const stateQuery = z.strictObject({ at: atParam(), knownAt: knownAtParam() });

/** A page's `after`: the report id the previous page ended with (its `next`). */
const pageAfter = () =>
  reportId.optional().meta({ description: "The next page: the previous page's `next` (the id of its last report). Give the other parameters as before." });

/**
 * A member's sources are every report that says so, and those grow with the news about it: a
 * client that wants a bounded answer names how many to list (`sources`), and pages through the
 * rest with the member's sources (docs/decisions/0020-member-sources.md).
 */
export const MAX_LISTED_SOURCES = 1000;
export const coalitionStateQuery = stateQuery.extend({
  sources: sourceCount(MAX_LISTED_SOURCES)
    .optional()
    .meta({ description: `How many of each member's sources to list, 0 to ${MAX_LISTED_SOURCES}, the first in their order; \`sourceCount\` says how many there are. Default: every one.` }),
});
/** A member's sources come a page at a time, in the order the state lists them. */
export const DEFAULT_SOURCES_PAGE = 1000;
export const MAX_SOURCES_PAGE = 5000;
export const memberPath = z.strictObject({ id: coalitionId, code: countryPath.shape.code });
export const memberSourcesQuery = stateQuery.extend({
  after: pageAfter(),
  limit: pageLimit(MAX_SOURCES_PAGE)
    .optional()
    .meta({ description: `Sources per page at most, 1 to ${MAX_SOURCES_PAGE}. Default: ${DEFAULT_SOURCES_PAGE}.` }),
});
/**
 * A timeline comes a page at a time: a coalition's reports have no bound, and one answer holding
 * them all held them all in the api's memory too.
 */
export const DEFAULT_TIMELINE_PAGE = 1000;
export const MAX_TIMELINE_PAGE = 5000;

/**
 * A window that ends before it starts is refused, not answered with an empty timeline that
 * reads as "nothing happened" (from and to swapped). A diff's two times are not a window: either
 * order has an answer.
 */
export const timelineQuery = z
  .strictObject({
    from: fromParam('Only facts that occurred at or after this time.'),
    to: toParam('Only facts that occurred at or before this time. Not before `from`.'),
    knownAt: knownAtParam(),
    after: pageAfter(),
    limit: pageLimit(MAX_TIMELINE_PAGE)
      .optional()
      .meta({ description: `Items per page at most, 1 to ${MAX_TIMELINE_PAGE}. Default: ${DEFAULT_TIMELINE_PAGE}.` }),
  })
  .superRefine(({ from, to }, ctx) => {
    // (zod runs this even when from or to was refused: then they are no dates, and their own issue says why)
    if (from instanceof Date && to instanceof Date && from.getTime() > to.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `is after to (${from.toISOString()} > ${to.toISOString()})`, input: from });
    }
  });
export const diffQuery = z.strictObject({
  from: toParam('The earlier valid time.'),
  to: toParam('The later valid time. Default: now.'),
  knownAt: knownAtParam(),
});
/**
 * A history comes a page at a time too: a coalition's membership intervals grow with the news
 * about it (some 2,600 per coalition, a megabyte of JSON, at 1,000,000 events). A page ends at
 * an interval, named by its country and start (`FR@2014-09-19T00:00:00.000Z`): as known at one
 * `knownAt`, a country's intervals do not overlap, so that names one.
 */
export const DEFAULT_HISTORY_PAGE = 1000;
export const MAX_HISTORY_PAGE = 5000;
const HISTORY_CURSOR = /^([A-Z]{2})@(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/;
export const historyQuery = z.strictObject({
  knownAt: knownAtParam(),
  after: z
    .string()
    .regex(HISTORY_CURSOR, { message: "must be a history page's `next`, a country and the start of its interval, like FR@2014-09-19T00:00:00.000Z", abort: true })
    .refine((cursor) => {
      const ms = Date.parse(cursor.slice(3));
      return !Number.isNaN(ms) && new Date(ms).toISOString() === cursor.slice(3);
    }, 'names no instant (no such date or time)')
    .transform((cursor) => ({ country: cursor.slice(0, 2), from: new Date(cursor.slice(3)) }))
    .optional()
    .meta({ description: "The next page: the previous page's `next` (its last interval's country and start, like FR@2014-09-19T00:00:00.000Z). Give `knownAt` as before." }),
  limit: pageLimit(MAX_HISTORY_PAGE)
    .optional()
    .meta({ description: `Intervals per page at most, 1 to ${MAX_HISTORY_PAGE}. Default: ${DEFAULT_HISTORY_PAGE}.` }),
});
export const emptyQuery = z.strictObject({});

// ---- responses --------------------------------------------------------------------------

export const errorResponse = z
  .object({ error: z.enum(['bad-request', 'not-found', 'unauthorized', 'disabled', 'too-many-requests']), message: z.string() })
  .meta({ id: 'Error' });

export const sourceRef = z
  .object({ reportId: z.string(), publisher: z.string(), url: z.string().nullable(), publishedAt: rfc3339.nullable() })
  .meta({ id: 'SourceRef', description: 'A report that says so' });

export const heldRole = z
  .object({ kind: z.enum(ROLE_KINDS), theater: z.string().nullable(), since: rfc3339 })
  .meta({ id: 'HeldRole' });

export const member = z
  .object({ country: z.string(), since: rfc3339, roles: z.array(heldRole), sources: z.array(sourceRef), sourceCount: z.number().int() })
  .meta({
    id: 'Member',
    description:
      'sources: the visible reports about this country in this coalition that occurred during its current membership, by valid time, knowledge time, then report id ' +
      '(every one, or the first `sources` of them); sourceCount: how many there are',
  });

export const coalitionSummary = z
  .object({ id: z.string(), name: z.string().nullable(), formedAt: rfc3339.nullable(), memberCount: z.number().int() })
  .meta({ id: 'CoalitionSummary' });

export const coalitionList = z
  .object({ at: rfc3339, knownAt: rfc3339, items: z.array(coalitionSummary).meta({ description: 'Sorted by id' }) })
  .meta({ id: 'CoalitionList', description: 'Every coalition a report has named: its name as known at `knownAt`, and how many members it had at `at`, as known at `knownAt`' });

export const coalitionState = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    formedAt: rfc3339.nullable(),
    at: rfc3339,
    knownAt: rfc3339,
    members: z.array(member).meta({ description: 'Sorted by country' }),
  })
  .meta({ id: 'CoalitionState' });

export const timelineItem = z
  .object({
    occurredAt: rfc3339,
    knownAt: rfc3339.meta({ description: 'When the report became known: its publishedAt, or when Annals recorded it' }),
    type: z.string(),
    country: z.string().nullable(),
    role: z.object({ kind: z.enum(ROLE_KINDS), theater: z.string().nullable() }).nullable(),
    roles: z.array(z.object({ kind: z.enum(ROLE_KINDS), theater: z.string().nullable() })),
    reportId: z.string(),
    publisher: z.string(),
    url: z.string().nullable(),
    publishedAt: rfc3339.nullable(),
    details: z.record(z.string(), z.unknown()).meta({ description: "The report's data (participants, place, stance, share...)" }),
  })
  .meta({ id: 'TimelineItem' });

export const timeline = z
  .object({
    items: z.array(timelineItem),
    next: z.string().nullable().meta({ description: 'null on the last page; otherwise the `after` of the next one' }),
  })
  .meta({ id: 'Timeline', description: 'In fold order: valid time, knowledge time, store position; a page at a time (`limit`, `after`)' });

export const memberSources = z
  .object({
    id: z.string(),
    country: z.string(),
    at: rfc3339,
    knownAt: rfc3339,
    since: rfc3339,
    items: z.array(sourceRef),
    next: z.string().nullable().meta({ description: 'null on the last page; otherwise the `after` of the next one' }),
  })
  .meta({
    id: 'MemberSources',
    description: "A member's sources, as the coalition's state lists them (by valid time, knowledge time, then report id), a page at a time (`limit`, `after`)",
  });

export const historyItem = z
  .object({
    country: z.string(),
    from: rfc3339.meta({ description: 'Start of the valid-time interval (inclusive)' }),
    to: rfc3339.nullable().meta({ description: 'End of the valid-time interval (exclusive); null: still so' }),
    since: rfc3339,
    roles: z.array(heldRole),
  })
  .meta({ id: 'HistoryItem', description: 'The country is a member with these roles for valid times in [from, to)' });

export const history = z
  .object({
    id: z.string(),
    knownAt: rfc3339,
    items: z.array(historyItem),
    next: z.string().nullable().meta({ description: 'The `after` of the next page; null on the last' }),
  })
  .meta({ id: 'History', description: 'Every membership interval over valid time, as known at knownAt; by country, then time; a page at a time (`limit`, `after`)' });

export const diff = z.object({ joined: z.array(z.string()), left: z.array(z.string()) }).meta({ id: 'Diff' });

export const countryCoalitions = z
  .object({
    items: z.array(z.object({ coalitionId: z.string(), name: z.string().nullable(), since: rfc3339, roles: z.array(heldRole) })),
  })
  .meta({ id: 'CountryCoalitions' });

export const report = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.enum(['applied', 'retracted']),
    occurredAt: rfc3339,
    source: z.object({ publisher: z.string(), url: z.string().optional(), publishedAt: rfc3339.optional(), title: z.string().optional() }),
    recordedAt: rfc3339,
    position: z.number().int(),
    retractedBy: z.string().nullable(),
  })
  .meta({ id: 'Report' });

export type CoalitionStateResponse = z.output<typeof coalitionState>;
export type CoalitionListResponse = z.output<typeof coalitionList>;
export type TimelineResponse = z.output<typeof timeline>;
export type HistoryResponse = z.output<typeof history>;
export type DiffResponse = z.output<typeof diff>;
export type CountryCoalitionsResponse = z.output<typeof countryCoalitions>;
export type ReportResponse = z.output<typeof report>;
