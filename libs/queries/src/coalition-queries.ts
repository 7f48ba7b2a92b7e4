import type { Pool, QueryResult } from 'pg';
import { COUNTRY_CODES, httpApi, MEMBERSHIP_TYPES } from '@annals/contracts';
import type { PostgresEventStore } from '@annals/event-store';
import type { ReportEventData } from '@annals/domain';
import { isoInstant } from './iso-instant';
import { BadParameterError } from './bad-parameter.error';
import { NotFoundError } from './not-found.error';

type CoalitionState = import('zod').output<typeof httpApi.coalitionState>;
type Member = CoalitionState['members'][number];
type TimelineItem = import('zod').output<typeof httpApi.timelineItem>;
type MemberSources = import('zod').output<typeof httpApi.memberSources>;

/** Which page of a member's sources: its query parameters, as the API parsed them. */
export interface MemberSourcesWindow {
  at: Date;
  knownAt: Date;
  /** The report after which the page starts (the previous page's `next`). */
  after?: string;
  /** Sources per page at most: DEFAULT_SOURCES_PAGE when not given. */
  limit?: number;
}

/** Which part of a timeline: its query parameters, as the API parsed them. */
export interface TimelineWindow {
  from?: Date;
  to?: Date;
  knownAt: Date;
  /** The report after which the page starts (the previous page's `next`). */
  after?: string;
  /** Items per page at most: DEFAULT_TIMELINE_PAGE when not given. */
  limit?: number;
}

/** A page of a history: after an interval (the previous page's `next`, read), at most `limit` (DEFAULT_HISTORY_PAGE when not given). */
export interface HistoryPage {
  after?: { country: string; from: Date };
  limit?: number;
}

const ACTIVE = `(SELECT version FROM read_model.versions WHERE state = 'active')`;

/**
 * The membership rows of one coalition, as the GiST index can find them: it is keyed on a hash
 * of the coalition id (migration 1764300007000), so a lookup names the hash (the index condition)
 * and the id itself (a recheck, as hashes may collide). Without the hash the index cannot serve.
 */
const membershipOf = (row: string, coalition: string) => `hashtextextended(${row}.coalition_id, 0) = hashtextextended(${coalition}, 0) AND ${row}.coalition_id = ${coalition}`;

/**
 * A member's sources: the visible reports about the pair during its current membership
 * (semantics rule 4), of membership row `m`, at $2 as known at $3, the types in $4. The order
 * the state lists them in, and the member's pages follow.
 */
const memberFacts = (f: string) => `${f}.version = m.version AND ${f}.coalition_id = m.coalition_id AND ${f}.country = m.country
                         AND ${f}.type = ANY($4::text[]) AND ${f}.occurred_at >= m.since AND ${f}.occurred_at <= $2
                         AND ${f}.known_at <= $3 AND (${f}.retracted_at IS NULL OR ${f}.retracted_at > $3)`;
const MEMBER_FACTS = memberFacts('f');
const SOURCE_ORDER = 'f.occurred_at, f.known_at, f.report_id';
/** The sources of rows `f`, as the state lists them: a JSON array in their order. */
const SOURCE_LIST = `coalesce(json_agg(json_build_object('reportId', f.report_id, 'source', f.source) ORDER BY ${SOURCE_ORDER}), '[]'::json)`;
const SOURCES_SQL = `(SELECT ${SOURCE_LIST} FROM read_model.facts f WHERE ${MEMBER_FACTS})`;
/** The first $5 of them. */
const FIRST_SOURCES_SQL = `(SELECT ${SOURCE_LIST}
                              FROM (SELECT f.report_id, f.source, f.occurred_at, f.known_at FROM read_model.facts f WHERE ${MEMBER_FACTS}
                                     ORDER BY ${SOURCE_ORDER} LIMIT $5) f)`;
/** How many there are: the pair index covers every column tested, so no source is read to be counted. */
const SOURCE_COUNT_SQL = `(SELECT count(*) FROM read_model.facts f WHERE ${MEMBER_FACTS})`;

interface MemberRow {
  country: string;
  since: string;
  roles: Array<{ kind: Member['roles'][number]['kind']; theater: string | null; since: string }>;
  sources: SourceRow[];
  /** Counted in SQL when only the first sources are listed; otherwise every one is. */
  sourceCount?: number;
}

interface SourceRow {
  reportId: string;
  source: SourceJson;
}

const toSourceRef = (s: SourceRow): Member['sources'][number] => ({
  reportId: s.reportId,
  publisher: s.source.publisher,
  url: s.source.url ?? null,
  publishedAt: s.source.publishedAt ? isoInstant(s.source.publishedAt) : null,
});

function toMember(r: MemberRow): Member {
  return {
    country: r.country,
    since: isoInstant(r.since),
    roles: r.roles.map((role) => ({ kind: role.kind, theater: role.theater, since: isoInstant(role.since) })),
    sources: r.sources.map(toSourceRef),
    sourceCount: r.sourceCount ?? r.sources.length,
  };
}
const MEMBERSHIP = [...MEMBERSHIP_TYPES];
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

interface SourceJson {
  publisher: string;
  url?: string;
  publishedAt?: string;
  title?: string;
}

/**
 * The point-in-time questions, as SQL against the active read-model version. Each is an
 * index lookup (EXPLAINs in docs/decisions/0006-bitemporal-read-model.md): membership rows
 * by GiST on (hash of the coalition, valid, known) in the version's partition; facts by btree on (version, coalition, country, occurred_at).
 */
export class CoalitionQueries {
  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
  ) {}

  /**
   * A query, retried once if PostgreSQL chose it as a deadlock or serialization victim (a retired
   * read-model version's partitions being dropped at the instant a query opened them): the user
   * gets the answer, not a 500.
   */
  private async query<R extends object>(sql: string, params: unknown[], name?: string): Promise<QueryResult<R>> {
    // A named statement is planned once per connection (the hot questions): planning a GiST
    // lookup with its subqueries costs as much as running it.
    const config = name ? { name, text: sql, values: params } : { text: sql, values: params };
    try {
      return await this.pool.query<R>(config);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '40P01' && code !== '40001') throw error;
      return this.pool.query<R>(config);
    }
  }

  /**
   * Every coalition a report has named, each with its name and formation as known at `knownAt`
   * and its member count at `at` as known then (the state's members, counted).
   */
  async list(at: Date, knownAt: Date): Promise<{ at: string; knownAt: string; items: Array<{ id: string; name: string | null; formedAt: string | null; memberCount: number }> }> {
    const { rows } = await this.query<{ coalition_id: string; name: string | null; formed_at: Date | null; member_count: number }>(
      `SELECT c.coalition_id, n.name, n.formed_at,
              (SELECT count(*)::int FROM read_model.membership m
                WHERE m.version = c.version AND ${membershipOf('m', 'c.coalition_id')} AND m.valid @> $1::timestamptz AND m.known @> $2::timestamptz) AS member_count
         FROM read_model.coalitions c
         LEFT JOIN LATERAL (${formedLateral('c.version', 'c.coalition_id', '$2')}) n ON true
        WHERE c.version = ${ACTIVE}
        ORDER BY c.coalition_id`,
      [at, knownAt],
    );
    return {
      at: at.toISOString(),
      knownAt: knownAt.toISOString(),
      items: rows.map((r) => ({ id: r.coalition_id, name: r.name, formedAt: iso(r.formed_at), memberCount: r.member_count })),
    };
  }

  /**
   * The coalition at `at` as known at `knownAt`: identity and members in one statement, one round
   * trip. Each member with every source, or the first `sources` of them and their count.
   */
  async state(id: string, at: Date, knownAt: Date, sources?: number): Promise<CoalitionState> {
    const listed = sources === undefined ? `'sources', ${SOURCES_SQL}` : `'sources', ${FIRST_SOURCES_SQL}, 'sourceCount', ${SOURCE_COUNT_SQL}`;
    const { rows } = await this.query<{ name: string | null; formed_at: Date | null; members: MemberRow[] }>(
      `SELECT n.name, n.formed_at,
              (SELECT coalesce(json_agg(json_build_object('country', m.country, 'since', m.since, 'roles', m.roles, ${listed}) ORDER BY m.country), '[]'::json)
                 FROM read_model.membership m
                WHERE m.version = c.version AND ${membershipOf('m', 'c.coalition_id')} AND m.valid @> $2::timestamptz AND m.known @> $3::timestamptz) AS members
         FROM read_model.coalitions c
         LEFT JOIN LATERAL (${formedLateral('c.version', 'c.coalition_id', '$3')}) n ON true
        WHERE c.version = ${ACTIVE} AND c.coalition_id = $1`,
      sources === undefined ? [id, at, knownAt, MEMBERSHIP] : [id, at, knownAt, MEMBERSHIP, sources],
      sources === undefined ? 'coalition-state' : 'coalition-state-first-sources',
    );
    if (!rows[0]) throw new NotFoundError(`no coalition ${JSON.stringify(id)}`);
    return {
      id,
      name: rows[0].name,
      formedAt: iso(rows[0].formed_at),
      at: at.toISOString(),
      knownAt: knownAt.toISOString(),
      members: rows[0].members.map(toMember),
    };
  }

  /**
   * The visible reports about a coalition in fold order, a page at a time: `limit` items after
   * the report `after` (the previous page's `next`). The page continues from that report's place
   * in the order (valid time, knowledge time, store position), looked up by its id (the facts'
   * unique index) in the same statement; a report id names a place whatever version is active.
   */
  async timeline(id: string, window: TimelineWindow): Promise<{ items: TimelineItem[]; next: string | null }> {
    const { from, to, knownAt, after, limit = httpApi.DEFAULT_TIMELINE_PAGE } = window;
    const { rows } = await this.query<{
      occurred_at: Date;
      known_at: Date;
      type: string;
      country: string | null;
      roles: Array<{ kind: TimelineItem['roles'][number]['kind']; theater?: string }>;
      report_id: string;
      source: SourceJson;
      data: Record<string, unknown>;
    }>(
      `SELECT f.occurred_at, f.known_at, f.type, f.country, f.roles, f.report_id, f.source, f.data
         FROM read_model.facts f
        WHERE f.version = ${ACTIVE} AND f.coalition_id = $1
          AND ($2::timestamptz IS NULL OR f.occurred_at >= $2) AND ($3::timestamptz IS NULL OR f.occurred_at <= $3)
          AND f.known_at <= $4 AND (f.retracted_at IS NULL OR f.retracted_at > $4)
          ${
            after === undefined
              ? ''
              : // Uncorrelated (the active version, not f.version), so that it runs once, before the
                // scan, and its valid time bounds the coalition index's range (EXPLAIN on 200,000
                // facts of one coalition: 3 ms a page). Correlated, it ran once per row scanned: 0.5 s.
                // A report not on this timeline gives no place (NULL): no rows, and the check below.
                `AND (f.occurred_at, f.known_at, f.position) > (SELECT c.occurred_at, c.known_at, c.position FROM read_model.facts c WHERE c.version = ${ACTIVE} AND c.report_id = $6 AND c.coalition_id = $1)`
          }
        ORDER BY f.occurred_at, f.known_at, f.position
        LIMIT $5`,
      [id, from ?? null, to ?? null, knownAt, limit + 1, ...(after === undefined ? [] : [after])],
    );
    // An empty page: an unknown coalition (identity: 404), and after a report, the end of the
    // timeline or a report not on it. Only then are they looked up, off the path of every other page.
    if (rows.length === 0) await this.identity(id, knownAt);
    if (rows.length === 0 && after !== undefined) {
      const cursor = await this.query(`SELECT 1 FROM read_model.facts c WHERE c.version = ${ACTIVE} AND c.report_id = $1 AND c.coalition_id = $2`, [after, id]);
      if (cursor.rowCount === 0) throw new BadParameterError('after', `no report ${JSON.stringify(after)} on the timeline of ${JSON.stringify(id)}`);
    }
    const more = rows.length > limit;
    if (more) rows.length = limit;
    return {
      next: more ? rows[rows.length - 1]!.report_id : null,
      items: rows.map((r) => {
        const roles = r.roles.map((role) => ({ kind: role.kind, theater: role.theater ?? null }));
        const { coalitionId: _c, country: _country, role: _role, roles: _roles, ...details } = r.data;
        return {
          occurredAt: r.occurred_at.toISOString(),
          knownAt: r.known_at.toISOString(),
          type: r.type,
          country: r.country,
          role: r.type === 'coalition.role-started' || r.type === 'coalition.role-ended' ? (roles[0] ?? null) : null,
          roles,
          reportId: r.report_id,
          publisher: r.source.publisher,
          url: r.source.url ?? null,
          publishedAt: r.source.publishedAt ? isoInstant(r.source.publishedAt) : null,
          details,
        };
      }),
    };
  }

  /**
   * A member's sources at `at` as known at `knownAt`, in the order the state lists them, a page
   * at a time: `limit` after the report `after` (the previous page's `next`). Its membership row
   * and the page in one statement, one round trip; NotFoundError when the coalition or the
   * country is unknown, or the country is no member then.
   */
  async memberSources(id: string, code: string, window: MemberSourcesWindow): Promise<MemberSources> {
    const { at, knownAt, after, limit = httpApi.DEFAULT_SOURCES_PAGE } = window;
    if (!COUNTRY_CODES.has(code)) throw new NotFoundError(`no country ${code}`);
    // the member's membership row at (at, knownAt), whose sources the page lists ($5: the country)
    const memberRow = (join: string) => `FROM read_model.membership m ${join}
        WHERE m.version = ${ACTIVE} AND ${membershipOf('m', '$1')} AND m.country = $5 AND m.valid @> $2::timestamptz AND m.known @> $3::timestamptz`;
    // the place of the report $n among the member's sources: NULL, so no rows, for a report that is none of them
    const placeOf = (n: string) => `(SELECT c.occurred_at, c.known_at, c.report_id FROM read_model.facts c WHERE c.report_id = ${n} AND ${memberFacts('c')})`;
    const { rows } = await this.query<{ since: Date; report_id: string | null; source: SourceJson | null }>(
      `SELECT m.since, f.report_id, f.source
         ${memberRow(`LEFT JOIN LATERAL (
           SELECT f.report_id, f.source, f.occurred_at, f.known_at FROM read_model.facts f
            WHERE ${MEMBER_FACTS} ${after === undefined ? '' : `AND (${SOURCE_ORDER}) > ${placeOf('$7')}`}
            ORDER BY ${SOURCE_ORDER} LIMIT $6) f ON true`)}
        ORDER BY ${SOURCE_ORDER}`,
      after === undefined ? [id, at, knownAt, MEMBERSHIP, code, limit + 1] : [id, at, knownAt, MEMBERSHIP, code, limit + 1, after],
    );
    if (!rows[0]) {
      // no membership row: an unknown coalition says so (identity), off the path of every page found
      await this.identity(id, knownAt);
      throw new NotFoundError(`${code} is no member of ${JSON.stringify(id)} at ${at.toISOString()} as known at ${knownAt.toISOString()}`);
    }
    const items = rows.filter((r) => r.report_id !== null).map((r) => toSourceRef({ reportId: r.report_id!, source: r.source! }));
    // An empty page after a report: the end of the sources, or a report that is none of them.
    // Only then is it looked up, off the path of every other page.
    if (items.length === 0 && after !== undefined) {
      const cursor = await this.query(`SELECT 1 ${memberRow('')} AND EXISTS ${placeOf('$6')}`, [id, at, knownAt, MEMBERSHIP, code, after]);
      if (cursor.rowCount === 0) {
        throw new BadParameterError('after', `no report ${JSON.stringify(after)} among the sources of ${code} in ${JSON.stringify(id)} at ${at.toISOString()} as known at ${knownAt.toISOString()}`);
      }
    }
    const more = items.length > limit;
    if (more) items.length = limit;
    return {
      id,
      country: code,
      at: at.toISOString(),
      knownAt: knownAt.toISOString(),
      since: rows[0].since.toISOString(),
      items,
      next: more ? items[items.length - 1]!.reportId : null,
    };
  }

  /** All of a timeline, page after page (`annals timeline`, which prints it whole). */
  async wholeTimeline(id: string, window: Omit<TimelineWindow, 'after' | 'limit'>, pageSize = httpApi.MAX_TIMELINE_PAGE): Promise<TimelineItem[]> {
    const items: TimelineItem[] = [];
    let next: string | null | undefined;
    do {
      const page = await this.timeline(id, { ...window, limit: pageSize, after: next ?? undefined });
      items.push(...page.items);
      next = page.next;
    } while (next !== null);
    return items;
  }

  /**
   * The membership intervals of the coalition over valid time, as known at `knownAt` (the rows
   * themselves), by country and start, a page at a time: those after `page.after`, at most
   * `page.limit`; `next` names the last when there may be more.
   *
   * EXPLAIN ANALYZE at 1,000,000 events (coalition-035, 2,604 intervals known now): the pair
   * index and the knowledge-time GiST, ANDed, then the page's rows sorted (top-N): the first
   * page of 1,000 in 8.4 ms; a later page's `after` bounds the pair index (country >= 'MX'), 1.6 ms.
   */
  async history(id: string, knownAt: Date, page: HistoryPage = {}) {
    const limit = page.limit ?? httpApi.DEFAULT_HISTORY_PAGE;
    const after = page.after;
    const { rows } = await this.query<{ country: string; valid_from: Date; valid_to: Date | null; since: Date; roles: Array<{ kind: Member['roles'][number]['kind']; theater: string | null; since: string }> }>(
      `SELECT m.country, lower(m.valid) AS valid_from, upper(m.valid) AS valid_to, m.since, m.roles
         FROM read_model.membership m
        WHERE m.version = ${ACTIVE} AND ${membershipOf('m', '$1')} AND m.known @> $2::timestamptz
          ${after ? 'AND (m.country, lower(m.valid)) > ($4::text, $5::timestamptz)' : ''}
        ORDER BY m.country, lower(m.valid)
        LIMIT $3`,
      [id, knownAt, limit + 1, ...(after ? [after.country, after.from] : [])],
    );
    // an empty page: an unknown coalition is a 404 (looked up only then, off the path of every other page)
    if (rows.length === 0) await this.identity(id, knownAt);
    const more = rows.length > limit;
    if (more) rows.length = limit;
    const last = rows[rows.length - 1];
    return {
      id,
      knownAt: knownAt.toISOString(),
      items: rows.map((r) => ({
        country: r.country,
        from: r.valid_from.toISOString(),
        to: iso(r.valid_to),
        since: r.since.toISOString(),
        roles: r.roles.map((role) => ({ kind: role.kind, theater: role.theater, since: isoInstant(role.since) })),
      })),
      next: more && last ? `${last.country}@${last.valid_from.toISOString()}` : null,
    };
  }

  async diff(id: string, from: Date, to: Date, knownAt: Date): Promise<{ joined: string[]; left: string[] }> {
    await this.identity(id, knownAt);
    const { rows } = await this.query<{ country: string; at_from: boolean; at_to: boolean }>(
      `SELECT m.country, bool_or(m.valid @> $2::timestamptz) AS at_from, bool_or(m.valid @> $3::timestamptz) AS at_to
         FROM read_model.membership m
        WHERE m.version = ${ACTIVE} AND ${membershipOf('m', '$1')} AND m.known @> $4::timestamptz
          AND (m.valid @> $2::timestamptz OR m.valid @> $3::timestamptz)
        GROUP BY m.country ORDER BY m.country`,
      [id, from, to, knownAt],
    );
    return { joined: rows.filter((r) => r.at_to && !r.at_from).map((r) => r.country), left: rows.filter((r) => r.at_from && !r.at_to).map((r) => r.country) };
  }

  async countryCoalitions(code: string, at: Date, knownAt: Date) {
    if (!COUNTRY_CODES.has(code)) throw new NotFoundError(`no country ${code}`);
    const { rows } = await this.query<{ coalition_id: string; name: string | null; since: Date; roles: Array<{ kind: Member['roles'][number]['kind']; theater: string | null; since: string }> }>(
      // The country's rows by the pair index (a skip scan, one descent per coalition), then the
      // times checked on them, then the few left sorted. OFFSET 0 keeps the times out of the
      // scan: the GiST holds no country, and the planner would AND it in, reading every row
      // valid and known then, whatever the country (32,103 index entries for a question
      // answered by 164 rows, at 1,000,000 events).
      `SELECT m.coalition_id, n.name, m.since, m.roles
         FROM (SELECT x.version, x.coalition_id, x.valid, x.known, x.since, x.roles FROM read_model.membership x
                WHERE x.version = ${ACTIVE} AND x.country = $1
               OFFSET 0) m
         LEFT JOIN LATERAL (${formedLateral('m.version', 'm.coalition_id', '$3')}) n ON true
        WHERE m.valid @> $2::timestamptz AND m.known @> $3::timestamptz
        ORDER BY m.coalition_id`,
      [code, at, knownAt],
    );
    return {
      items: rows.map((r) => ({
        coalitionId: r.coalition_id,
        name: r.name,
        since: r.since.toISOString(),
        roles: r.roles.map((role) => ({ kind: role.kind, theater: role.theater, since: isoInstant(role.since) })),
      })),
    };
  }

  /** A stored report, from the event store itself (the source of truth), with its retraction status from the read model. */
  async report(id: string) {
    const event = await this.store.findByIdempotencyKey(id);
    if (!event) throw new NotFoundError(`no report ${JSON.stringify(id)}`);
    const { rows } = await this.query<{ retracted_at: Date | null; retracted_by: string | null }>(
      `SELECT retracted_at, retracted_by FROM read_model.facts WHERE version = ${ACTIVE} AND report_id = $1`,
      [id],
    );
    const retracted = rows[0]?.retracted_at && rows[0].retracted_at.getTime() <= Date.now();
    const { report } = event.data as ReportEventData;
    return {
      id,
      type: event.type,
      status: retracted ? ('retracted' as const) : ('applied' as const),
      occurredAt: isoInstant(report.occurredAt),
      source: report.source,
      recordedAt: event.recordedAt.toISOString(),
      position: event.position,
      retractedBy: retracted ? rows[0]!.retracted_by : null,
    };
  }

  /** The coalition's name and formation as known at `knownAt`; NotFoundError when no report ever named it. */
  private async identity(id: string, knownAt: Date): Promise<{ name: string | null; formedAt: string | null }> {
    const { rows } = await this.query<{ name: string | null; formed_at: Date | null }>(
      `SELECT n.name, n.formed_at
         FROM read_model.coalitions c
         LEFT JOIN LATERAL (${formedLateral('c.version', 'c.coalition_id', '$2')}) n ON true
        WHERE c.version = ${ACTIVE} AND c.coalition_id = $1`,
      [id, knownAt],
    );
    if (!rows[0]) throw new NotFoundError(`no coalition ${JSON.stringify(id)}`);
    return { name: rows[0].name, formedAt: iso(rows[0].formed_at) };
  }
}

/** The first visible coalition.formed report in fold order gives name and formation date. */
function formedLateral(version: string, coalition: string, knownAt: string): string {
  return `SELECT f.data->>'name' AS name, f.occurred_at AS formed_at
            FROM read_model.facts f
           WHERE f.version = ${version} AND f.coalition_id = ${coalition} AND f.type = 'coalition.formed'
             AND f.known_at <= ${knownAt} AND (f.retracted_at IS NULL OR f.retracted_at > ${knownAt})
           ORDER BY f.occurred_at, f.known_at, f.position LIMIT 1`;
}
