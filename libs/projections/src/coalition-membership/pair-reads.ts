/**
 * What recomputing pairs reads of them: their facts and their stored membership rows, as records
 * (instants in epoch milliseconds, epochMs) and as the domain's and the diff's values.
 */

import type { PoolClient } from 'pg';
import { arrayLiteral, type StatementsInFlight } from '@annals/database';
import type { MembershipFact } from '@annals/domain';
import { epochMs, fromEpochMs } from './epoch-ms';
import { MEMBERSHIP_TYPE_SET } from './fact-row';
import type { StoredRole } from './membership-rows';
import type { StoredMembershipRow } from './membership-row-diff';
import type { Pair } from './pair';

const MEMBERSHIP_TYPES = [...MEMBERSHIP_TYPE_SET];

/** Timestamps come as epoch milliseconds (`epochMs`). */
export interface FactRecord {
  report_id: string;
  type: MembershipFact['type'];
  position: number;
  roles: MembershipFact['roles'];
  occurred_at: number;
  known_at: number;
  retracted_at: number | null;
}

/**
 * Timestamps come as epoch milliseconds (`epochMs`). `pair`: the pair's place in the statement's
 * list, from 1 (a number to parse, where the coalition and country were two strings per row).
 */
export interface StoredRowRecord {
  ctid: string;
  pair: number;
  valid_from: number | null;
  valid_to: number | null;
  known_from: number | null;
  known_to: number | null;
  since: number;
  roles: StoredRole[];
}

/** A pair's fact as FactRecord, from read_model.facts aliased `f`. */
export const FACT_COLUMNS = `f.report_id, f.type, f.position, f.roles,
  ${epochMs('f.occurred_at')} AS occurred_at, ${epochMs('f.known_at')} AS known_at, ${epochMs('f.retracted_at')} AS retracted_at`;

/** A fact with its pair, as the sorted pass of computeAll reads it. */
export interface PairFactRecord extends FactRecord {
  coalition_id: string;
  country: string;
}

/** A fact with the place of its pair in a statement's list of pairs, from 1. */
export interface ListedFactRecord extends FactRecord {
  pair: number;
}

/** A slice of pairs and its reads in flight. */
export interface PairReads {
  pairs: ReadonlyArray<Pair>;
  /** Per pair, the earliest knowledge time of its new facts: its rows were read from there on (changeableFrom). */
  knownFrom?: ReadonlyArray<number>;
  facts: Promise<ListedFactRecord[]>;
  rows: Promise<StoredRowRecord[]>;
  /** Pairs whose facts a retraction changed before the reads: their rows were not all read, the caller recomputes them. */
  retractedSoFar?: Promise<ReadonlySet<string>>;
}

/**
 * A slice of pairs' facts and stored rows, queued (not awaited) on the transaction's connection;
 * with `knownFrom`, only the rows of each pair that a fact known from then on can change.
 */
export function readPairs(tx: PoolClient, version: number, pairs: ReadonlyArray<Pair>, pending: StatementsInFlight, knownFrom?: ReadonlyArray<number>): PairReads {
  return { pairs, knownFrom, facts: pending.add(readPairFacts(tx, version, pairs)), rows: pending.add(readPairRows(tx, version, pairs, knownFrom)) };
}

/**
 * A pair's facts and rows are always few among many: index lookups per pair, whatever the
 * statistics say. (A partition growing fast is analyzed late; with stale estimates the planner
 * joined all facts against all pairs at every batch, and the projection went quadratic.)
 * LATERAL with OFFSET 0 (which keeps the planner from flattening it) fixes the plan: for
 * each pair, an index lookup of its facts (and, in readPairRows, of its rows). The facts' pair index holds every
 * column read here (migration 1764300020000): an index-only scan, a pair's facts side by side,
 * where reading them from the table fetched a page per fact. A column added here must be
 * added to that index too (projections/index-only-reads.spec fails until it is).
 */
export async function readPairFacts(tx: PoolClient, version: number, pairs: ReadonlyArray<Pair>): Promise<ListedFactRecord[]> {
  const { rows } = await tx.query<ListedFactRecord>(
    `SELECT p.pair::int4 AS pair, ${FACT_COLUMNS}
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p(coalition_id, country, pair)
       CROSS JOIN LATERAL (
         SELECT * FROM read_model.facts x
          WHERE x.version = $1 AND x.coalition_id = p.coalition_id AND x.country = p.country AND x.type = ANY($4::text[])
         OFFSET 0
       ) f`,
    [version, arrayLiteral(pairs.map((p) => p[0])), arrayLiteral(pairs.map((p) => p[1])), MEMBERSHIP_TYPES],
  );
  return rows;
}

/** The pairs' stored rows; with `knownFrom`, each pair's rows known until then or later (changeableFrom). */
export async function readPairRows(tx: PoolClient, version: number, pairs: ReadonlyArray<Pair>, knownFrom?: ReadonlyArray<number>): Promise<StoredRowRecord[]> {
  const { rows } = await tx.query<StoredRowRecord>(
    `SELECT x.ctid::text AS ctid, p.pair::int4 AS pair, ${epochMs('lower(x.valid)')} AS valid_from, ${epochMs('upper(x.valid)')} AS valid_to,
            ${epochMs('lower(x.known)')} AS known_from, ${epochMs('upper(x.known)')} AS known_to, ${epochMs('x.since')} AS since, x.roles
       FROM (SELECT c AS coalition_id, k AS country, i AS pair, ${fromEpochMs('b')} AS changeable_from
               FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS u(c, k, b, i)) p
       CROSS JOIN LATERAL (
         SELECT y.ctid, y.valid, y.known, y.since, y.roles FROM read_model.membership y
          WHERE y.version = $1 AND y.coalition_id = p.coalition_id AND y.country = p.country
            AND (p.changeable_from IS NULL OR upper_inf(y.known) OR upper(y.known) >= p.changeable_from)
         OFFSET 0
       ) x`,
    [version, arrayLiteral(pairs.map((p) => p[0])), arrayLiteral(pairs.map((p) => p[1])), arrayLiteral(pairs.map((_, i) => knownFrom?.[i] ?? null))],
  );
  return rows;
}

/** Rows of a statement over a list of `count` pairs, by the place of their pair in the list (`pair`, from 1). */
export function groupByPlace<R extends { pair: number }, T>(count: number, rows: ReadonlyArray<R>, convert: (row: R) => T): T[][] {
  const byPlace: T[][] = Array.from({ length: count }, () => []);
  for (const r of rows) byPlace[r.pair - 1]!.push(convert(r));
  return byPlace;
}

export function toStoredRow(r: StoredRowRecord): StoredMembershipRow {
  return {
    ctid: r.ctid,
    row: {
      // an empty range (none is written) has no bounds: NaN matches no wanted row, so it is removed
      validFrom: r.valid_from ?? NaN,
      validTo: r.valid_to,
      knownFrom: r.known_from ?? NaN,
      knownTo: r.known_to,
      state: { since: r.since, roles: r.roles.map((role) => ({ kind: role.kind, theater: role.theater, since: Date.parse(role.since) })) },
    },
  };
}

export function toMembershipFact(r: FactRecord): MembershipFact {
  return {
    reportId: r.report_id,
    type: r.type,
    occurredAt: r.occurred_at,
    knownAt: r.known_at,
    position: r.position,
    roles: r.roles,
    retractedAt: r.retracted_at,
  };
}
