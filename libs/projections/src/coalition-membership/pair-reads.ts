/**
 * What recomputing pairs reads of them: their facts and their stored membership rows, as the
 * statements return them (arrays of values in their columns' order, instants in epoch
 * milliseconds: epochMs) and as the domain's and the diff's values (listedFact, pairSortedFact, toStoredRow).
 */

import type { Pool, PoolClient } from 'pg';
import { arrayLiteral, type StatementsInFlight } from '@annals/database';
import type { MembershipFact } from '@annals/domain';
import { epochMs, fromEpochMs } from './epoch-ms';
import { MEMBERSHIP_TYPE_LIST, MEMBERSHIP_TYPE_SET, type FactRow } from './fact-row';
import type { StoredRole } from './membership-rows';
import type { StoredMembershipRow } from './membership-row-diff';
import { pairKey, type Pair } from './pair';
import { roleSinceMs } from './role-instants';

/**
 * The reads below come back as arrays (pg's rowMode 'array'), in their columns' order: pg builds
 * no object per row. Recomputing pairs reads every fact and row of them, and at 1,000,000 events
 * building those objects was the largest single part of the projector's own CPU.
 */

/** A fact: FACT_COLUMNS in order, timestamps as epoch milliseconds (`epochMs`). */
export type FactTuple = [
  reportId: string,
  type: MembershipFact['type'],
  position: number,
  roles: MembershipFact['roles'],
  occurredAt: number,
  knownAt: number,
  retractedAt: number | null,
];

/** A pair's fact (FactTuple), from read_model.facts aliased `f`. */
export const FACT_COLUMNS = `f.report_id, f.type, f.position, f.roles,
  ${epochMs('f.occurred_at')} AS occurred_at, ${epochMs('f.known_at')} AS known_at, ${epochMs('f.retracted_at')} AS retracted_at`;

/** A fact with its pair, as the sorted pass of computeAll reads it. */
export type PairFactTuple = [coalitionId: string, country: string, ...fact: FactTuple];

/** A fact with the place of its pair in a statement's list of pairs, from 1. */
export type ListedFactTuple = [pair: number, ...fact: FactTuple];

/**
 * A stored membership row with the place of its pair in the statement's list, from 1; timestamps
 * as epoch milliseconds (`epochMs`), ranges' bounds null when unbounded (or the range empty).
 */
export type StoredRowTuple = [
  pair: number,
  ctid: string,
  validFrom: number | null,
  validTo: number | null,
  knownFrom: number | null,
  knownTo: number | null,
  since: number,
  roles: StoredRole[],
];

/** What recomputing a pair starts from. */
export interface PairState {
  /** All its membership facts, the batch's own among them. */
  facts: ReadonlyArray<MembershipFact>;
  /** Its stored rows still known at `rowsFrom` (changeableFrom): all those a recomputation may rewrite, and perhaps some more. */
  rows: ReadonlyArray<StoredMembershipRow>;
  /** -Infinity when `rows` are all its rows. */
  rowsFrom: number;
}

/** A slice of pairs and its reads in flight. */
export interface PairReads {
  pairs: ReadonlyArray<Pair>;
  /** Per pair, the earliest knowledge time of its new facts: only its rows still known then can change (changeableFrom). */
  knownFrom?: ReadonlyArray<number>;
  /** Per pair, by its place in `pairs`. */
  states: Promise<PairState[]>;
  /** Pairs whose facts a retraction changed before the reads: their rows were not all read, the caller recomputes them. */
  retractedSoFar?: Promise<ReadonlySet<string>>;
}

/**
 * What a slice's reads may take from elsewhere than PostgreSQL: per pair (by place), what the
 * projector holds of it as committed (PairCache), and the facts the batch is inserting
 * (newFactsByPair), which a pair whose facts are not read on the transaction's connection must be given.
 */
export interface KnownState {
  committed: ReadonlyArray<PairState | undefined>;
  batch: ReadonlyMap<string, ReadonlyArray<MembershipFact>>;
}

/**
 * A slice of pairs' facts and stored rows, queued (not awaited) on the transaction's connection;
 * with `knownFrom`, only the rows of each pair that a fact known from then on can change; with
 * `known`, only what it does not hold.
 */
export function readPairs(tx: PoolClient, version: number, pairs: ReadonlyArray<Pair>, pending: StatementsInFlight, knownFrom?: ReadonlyArray<number>, known?: KnownState): PairReads {
  return { pairs, knownFrom, states: pending.add(readStates(tx, version, pairs, knownFrom, known, false, pending)) };
}

/**
 * A batch's membership facts as the domain takes them, by pairKey: what a pair's facts lack
 * when they were not read on the transaction's connection (readPairsBeside, PairCache).
 * New facts, so none is retracted yet.
 */
export function newFactsByPair(facts: ReadonlyArray<FactRow>): Map<string, MembershipFact[]> {
  const byPair = new Map<string, MembershipFact[]>();
  for (const f of facts) {
    if (!MEMBERSHIP_TYPE_SET.has(f.type) || !f.coalitionId || !f.country) continue;
    const key = pairKey(f.coalitionId, f.country);
    const list = byPair.get(key) ?? [];
    list.push({
      reportId: f.reportId,
      type: f.type as MembershipFact['type'],
      position: f.position,
      roles: f.roles as MembershipFact['roles'],
      occurredAt: f.occurredAt.getTime(),
      knownAt: f.knownAt.getTime(),
      retractedAt: null,
    });
    byPair.set(key, list);
  }
  return byPair;
}

/**
 * A slice of pairs' reads on the pool's other connections, once `locked` (the transaction's lock
 * of the pairs) has resolved: what is committed of them, plus the batch's facts (`known.batch`),
 * which the transaction is inserting and those connections cannot see. Nothing else can
 * change a pair's facts or rows meanwhile: a version's batches run one at a time, and every
 * recomputation holds the pair's lock. What a retraction of the batch changes is not seen
 * either; the caller recomputes those pairs on the transaction's connection (apply).
 */
export function readPairsBeside(
  pool: Pool,
  locked: Promise<unknown>,
  version: number,
  pairs: ReadonlyArray<Pair>,
  pending: StatementsInFlight,
  known: KnownState,
  knownFrom?: ReadonlyArray<number>,
): PairReads {
  return { pairs, knownFrom, states: pending.add(locked.then(() => readStates(pool, version, pairs, knownFrom, known, true))) };
}

/**
 * Per pair, its state: what `known` holds of it, and what it does not read. Its facts are read
 * unless held; its rows unless held from its new facts' knowledge time or earlier. The batch's
 * facts are added to the pairs whose facts are held, and with `readCannotSeeBatch` (a
 * connection other than the transaction's) to those read too. Both reads go out at once,
 * before any await: on the transaction's connection they keep their place in the pipeline
 * (and are added to `pending`, when given, as the statements they are).
 */
function readStates(
  source: Pool | PoolClient,
  version: number,
  pairs: ReadonlyArray<Pair>,
  knownFrom: ReadonlyArray<number> | undefined,
  known: KnownState | undefined,
  readCannotSeeBatch: boolean,
  pending?: StatementsInFlight,
): Promise<PairState[]> {
  const held = (place: number) => known?.committed[place];
  const from = (place: number) => knownFrom?.[place] ?? -Infinity;
  const factsToRead = pairs.map((_, place) => place).filter((place) => !held(place));
  const rowsToRead = pairs.map((_, place) => place).filter((place) => from(place) < (held(place)?.rowsFrom ?? Infinity));
  const track = <T>(statement: Promise<T>) => (pending ? pending.add(statement) : statement);
  const facts = factsToRead.length === 0 ? Promise.resolve([]) : track(readPairFacts(source, version, factsToRead.map((place) => pairs[place]!)));
  const rows =
    rowsToRead.length === 0
      ? Promise.resolve([])
      : track(readPairRows(source, version, rowsToRead.map((place) => pairs[place]!), knownFrom && rowsToRead.map((place) => knownFrom[place]!)));
  return Promise.all([facts, rows]).then(([factRows, rowRows]) => {
    const factsRead = groupByPlace(factsToRead.length, factRows, listedFact);
    const rowsRead = groupByPlace(rowsToRead.length, rowRows, toStoredRow);
    const states: Array<{ facts: MembershipFact[]; rows: ReadonlyArray<StoredMembershipRow>; rowsFrom: number }> = pairs.map((_, place) => ({
      facts: [...(held(place)?.facts ?? [])],
      rows: held(place)?.rows ?? [],
      rowsFrom: held(place)?.rowsFrom ?? -Infinity,
    }));
    factsToRead.forEach((place, i) => (states[place]!.facts = factsRead[i]!));
    rowsToRead.forEach((place, i) => {
      // a pair without a committed fact has no row: those read are all it has (a read on the
      // transaction's connection sees the batch's facts too)
      const [coalition, country] = pairs[place]!;
      const seen = held(place) || readCannotSeeBatch ? 0 : (known?.batch.get(pairKey(coalition, country))?.length ?? 0);
      const committed = states[place]!.facts.length - seen;
      states[place]!.rows = rowsRead[i]!;
      states[place]!.rowsFrom = committed === 0 ? -Infinity : from(place);
    });
    pairs.forEach(([coalition, country], place) => {
      if (!held(place) && !readCannotSeeBatch) return;
      for (const fact of known?.batch.get(pairKey(coalition, country)) ?? []) states[place]!.facts.push(fact);
    });
    return states;
  });
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
export async function readPairFacts(tx: Pool | PoolClient, version: number, pairs: ReadonlyArray<Pair>): Promise<ListedFactTuple[]> {
  const { rows } = await tx.query<ListedFactTuple>({
    rowMode: 'array',
    text: `SELECT p.pair::int4 AS pair, ${FACT_COLUMNS}
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p(coalition_id, country, pair)
       CROSS JOIN LATERAL (
         SELECT * FROM read_model.facts x
          WHERE x.version = $1 AND x.coalition_id = p.coalition_id AND x.country = p.country AND x.type = ANY($4::text[])
         OFFSET 0
       ) f`,
    values: [version, arrayLiteral(pairs.map((p) => p[0])), arrayLiteral(pairs.map((p) => p[1])), MEMBERSHIP_TYPE_LIST],
  });
  return rows;
}

/** The pairs' stored rows; with `knownFrom`, each pair's rows known until then or later (changeableFrom). */
export async function readPairRows(tx: Pool | PoolClient, version: number, pairs: ReadonlyArray<Pair>, knownFrom?: ReadonlyArray<number>): Promise<StoredRowTuple[]> {
  const { rows } = await tx.query<StoredRowTuple>({
    rowMode: 'array',
    text: `SELECT p.pair::int4 AS pair, x.ctid::text AS ctid, ${epochMs('lower(x.valid)')} AS valid_from, ${epochMs('upper(x.valid)')} AS valid_to,
            ${epochMs('lower(x.known)')} AS known_from, ${epochMs('upper(x.known)')} AS known_to, ${epochMs('x.since')} AS since, x.roles
       FROM (SELECT c AS coalition_id, k AS country, i AS pair, ${fromEpochMs('b')} AS changeable_from
               FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS u(c, k, b, i)) p
       CROSS JOIN LATERAL (
         SELECT y.ctid, y.valid, y.known, y.since, y.roles FROM read_model.membership y
          WHERE y.version = $1 AND y.coalition_id = p.coalition_id AND y.country = p.country
            AND (p.changeable_from IS NULL OR upper_inf(y.known) OR upper(y.known) >= p.changeable_from)
         OFFSET 0
       ) x`,
    values: [version, arrayLiteral(pairs.map((p) => p[0])), arrayLiteral(pairs.map((p) => p[1])), arrayLiteral(pairs.map((_, i) => knownFrom?.[i] ?? null))],
  });
  return rows;
}

/** Rows of a statement over a list of `count` pairs, by the place of their pair in the list (the row's first column, from 1). */
export function groupByPlace<R extends [number, ...unknown[]], T>(count: number, rows: ReadonlyArray<R>, convert: (row: R) => T): T[][] {
  const byPlace: T[][] = Array.from({ length: count }, () => []);
  for (const r of rows) byPlace[r[0] - 1]!.push(convert(r));
  return byPlace;
}

export function toStoredRow([, ctid, validFrom, validTo, knownFrom, knownTo, since, roles]: StoredRowTuple): StoredMembershipRow {
  return {
    ctid,
    row: {
      // an empty range (none is written) has no bounds: NaN matches no wanted row, so it is removed
      validFrom: validFrom ?? NaN,
      validTo,
      knownFrom: knownFrom ?? NaN,
      knownTo,
      state: { since, roles: roles.map((role) => ({ kind: role.kind, theater: role.theater, since: roleSinceMs(role.since) })) },
    },
  };
}

/** The fact of a ListedFactTuple (its columns from 1) and of a PairFactTuple (from 2). */
export const listedFact = (r: ListedFactTuple): MembershipFact => toMembershipFact(r, 1);
export const pairSortedFact = (r: PairFactTuple): MembershipFact => toMembershipFact(r, 2);

/** The fact that starts at column `at` of a row (FactTuple's columns). */
function toMembershipFact(r: ReadonlyArray<unknown>, at: number): MembershipFact {
  return {
    reportId: r[at] as string,
    type: r[at + 1] as MembershipFact['type'],
    position: r[at + 2] as number,
    roles: r[at + 3] as MembershipFact['roles'],
    occurredAt: r[at + 4] as number,
    knownAt: r[at + 5] as number,
    retractedAt: r[at + 6] as number | null,
  };
}
