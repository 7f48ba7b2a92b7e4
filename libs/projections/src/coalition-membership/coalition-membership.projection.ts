import { httpAdmin } from '@annals/contracts';
import type { Pool, PoolClient } from 'pg';
import { arrayLiteral, inTransaction, READ_ONLY_SNAPSHOT, StatementsInFlight } from '@annals/database';
import { membershipHistory, type MembershipFact, type MembershipRow } from '@annals/domain';
import type { StoredEventCore } from '@annals/event-store';
import { changeableFrom, isChangeableFrom } from './changeable-rows';
import { fromEpochMs } from './epoch-ms';
import { MEMBERSHIP_TYPE_LIST, MEMBERSHIP_TYPE_SET, type FactRow } from './fact-row';
import { diffMembershipRows, type StoredMembershipRow } from './membership-row-diff';
import { deleteMembershipRows, MembershipRows, type InsertedRowId } from './membership-rows';
import { pairKey, type Pair } from './pair';
import { readFacts, type SkippedEvent } from './read-facts';
import { recordSkipped, withoutRepeatedReportIds } from './skipped-events';
import type { PairCache } from './pair-cache';
import { FACT_COLUMNS, newFactsByPair, pairSortedFact, readPairs, readPairsBeside, type KnownState, type PairFactTuple, type PairReads, type PairState } from './pair-reads';

export type { Pair } from './pair';

/** The read model's name, as the admin API and `annals replay --projection` take it (libs/contracts lists them). */
export const COALITION_MEMBERSHIP = httpAdmin.REBUILDABLE_PROJECTIONS[0];

/** What a batch did: the membership pairs it touched, and the reports it could not read (recorded in read_model.skipped_events). */
export interface AppliedBatch {
  pairs: Pair[];
  skipped: SkippedEvent[];
}

/**
 * The coalition-membership projection, on one version of the read model, inside the caller's
 * transaction.
 *
 * `live` (the version answers queries, or is about to): every report becomes a row of facts;
 * retractions mark their target (whichever arrived first); each (coalition, country) whose facts
 * changed gets its bitemporal membership rows recomputed from all its facts -- late reports about
 * 2014 change 2014, and only for knowledge times at or after their own.
 *
 * `loading` (a version being rebuilt, far behind, without indexes yet): facts only. Recomputing
 * a pair at every batch of a replay would redo it once per batch that touches it; the runner
 * applies retractions and computes every pair once, when the version has caught up
 * (`applyAllRetractions`, `computeAll`, `recompute`).
 */
export class CoalitionMembershipProjection {
  /**
   * Applies a batch; returns the membership pairs it touched and the reports it skipped. A
   * report the projection cannot read (readFacts) is recorded in read_model.skipped_events, in
   * the batch's transaction, and the rest of the batch is applied.
   *
   * Live, the batch goes in chunks of RECOMPUTE_SLICE facts, all pipelined on the transaction's
   * connection: each chunk's facts inserted, its retractions applied, then the facts read of
   * the pairs whose last new fact it holds (a pair is recomputed once, after all its new facts
   * are in), and those of their rows that the new facts can change (changeableFrom). Node
   * computes a chunk's rows while PostgreSQL inserts and reads the next chunks: with the
   * batch's facts inserted in one statement first, Node waited for all of them before it had a
   * pair to compute. Every pair a retraction of the batch changes (one of the batch's or one
   * outside it) is recomputed from all its rows at the end.
   *
   * With `readsBeside` (the projector's pool), the pairs' facts and rows are read on its other
   * connections once the pairs are locked (readPairsBeside): what is committed of them, plus the
   * batch's own facts, added in Node. The transaction's connection then only writes, and a
   * second backend reads meanwhile: catching up alone, PostgreSQL's work of a batch had been one
   * backend's, on one core, while Node waited on it most of the batch. Retractions stay in SQL:
   * a pair whose facts a retraction of the batch changed is skipped or recomputed at the end on
   * the transaction's connection, which sees the change, whichever way it was read.
   *
   * With `cache` (live only; the caller has begun the batch on it, and commits or clears it),
   * what it holds of a pair is not read again (its facts; its rows, when held from the new
   * facts' knowledge time or earlier), and every pair recomputed is staged in it with its facts
   * and its rows as written (PairCache); a pair a retraction changed is dropped from it.
   */
  async apply(
    events: ReadonlyArray<StoredEventCore>,
    tx: PoolClient,
    version: number,
    mode: 'live' | 'loading' = 'live',
    options: { readsBeside?: Pool; checkReportIds?: boolean; cache?: PairCache } = {},
  ): Promise<AppliedBatch> {
    let { facts, skipped } = readFacts(events);
    // after a batch failed on a report id the version holds already (isRepeatedReportId): only then, as it costs a lookup per report
    if (options.checkReportIds) {
      const checked = await withoutRepeatedReportIds(events, facts, tx, version);
      facts = checked.facts;
      skipped = [...skipped, ...checked.repeated];
    }
    if (skipped.length > 0) await recordSkipped(skipped, tx, version);
    if (facts.length === 0) return { pairs: [], skipped };
    const chunks: FactRow[][] = [];
    for (let i = 0; i < facts.length; i += RECOMPUTE_SLICE) chunks.push(facts.slice(i, i + RECOMPUTE_SLICE));
    // each membership pair, the last chunk with a fact about it, and the earliest knowledge time of its new facts
    const touched = new Map<string, { pair: Pair; chunk: number; knownFrom: number }>();
    for (const [chunk, rows] of chunks.entries()) {
      for (const f of rows) {
        if (!MEMBERSHIP_TYPE_SET.has(f.type) || !f.coalitionId || !f.country) continue;
        const key = pairKey(f.coalitionId, f.country);
        const knownFrom = Math.min(f.knownAt.getTime(), touched.get(key)?.knownFrom ?? Infinity);
        touched.set(key, { pair: [f.coalitionId, f.country], chunk, knownFrom });
      }
    }
    const pending = new StatementsInFlight();
    const coalitions = () =>
      pending.add(
        tx.query(
          `INSERT INTO read_model.coalitions (version, coalition_id, first_position)
           SELECT $1, x.c, min(x.p) FROM unnest($2::text[], $3::bigint[]) AS x(c, p)
            WHERE x.c IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM read_model.coalitions k WHERE k.version = $1 AND k.coalition_id = x.c)
            GROUP BY x.c`,
          [version, arrayLiteral(facts.map((f) => f.coalitionId)), arrayLiteral(facts.map((f) => f.position))],
        ),
      );
    if (mode === 'loading') {
      pending.add(this.insertFacts(facts, tx, version));
      coalitions();
      await pending.finish();
      return { pairs: [...touched.values()].map((t) => t.pair), skipped };
    }
    const locked = pending.add(this.lockPairs([...touched.values()].map((t) => t.pair), tx, version));
    const beside = options.readsBeside;
    const cache = options.cache;
    // the batch's facts by pair, for the pairs whose facts are not read on the transaction's connection
    const batchFacts = newFactsByPair(beside || cache ? facts : []);
    const retracted: Array<Promise<Pair[]>> = [];
    const pairsOf: Array<{ pairs: Pair[]; knownFrom: number[] }> = chunks.map(() => ({ pairs: [], knownFrom: [] }));
    for (const { pair, chunk, knownFrom } of touched.values()) {
      pairsOf[chunk]!.pairs.push(pair);
      pairsOf[chunk]!.knownFrom.push(knownFrom);
    }
    const reads = chunks.flatMap((rows, chunk) => {
      pending.add(this.insertFacts(rows, tx, version));
      retracted.push(pending.add(this.applyRetractions(tx, version, rows)));
      if (pairsOf[chunk]!.pairs.length === 0) return [];
      // applied before this chunk's reads: their pairs' rows may change before the new facts' knowledge times
      const retractedSoFar = Promise.all(retracted).then((lists) => new Set(lists.flat().map((p) => pairKey(p[0], p[1]))));
      retractedSoFar.catch(() => undefined);
      const { pairs, knownFrom } = pairsOf[chunk]!;
      const known: KnownState = { committed: pairs.map(([coalition, country]) => cache?.get(pairKey(coalition, country))), batch: batchFacts };
      const read = beside ? readPairsBeside(beside, locked, version, pairs, pending, known, knownFrom) : readPairs(tx, version, pairs, pending, knownFrom, known);
      return [{ ...read, retractedSoFar }];
    });
    coalitions();
    await this.rewrite(reads, tx, version, pending, cache);
    // Every pair a retraction of the batch changed, recomputed whole: one its chunk read after
    // the retraction was skipped (rewrite), one read before it (or outside the batch) is stale.
    const again = new Map<string, Pair>();
    for (const changed of retracted) {
      for (const pair of await changed) again.set(pairKey(pair[0], pair[1]), pair);
    }
    await this.recompute([...again.values()], tx, version);
    for (const key of again.keys()) cache?.stage(key, undefined);
    const all = new Map([...touched].map(([key, t]) => [key, t.pair]));
    for (const [key, pair] of again) all.set(key, pair);
    return { pairs: [...all.values()], skipped };
  }

  /** Every retraction of the version applied (the earliest by knowledge time wins); returns the pairs that changed. */
  applyAllRetractions(tx: PoolClient, version: number): Promise<Pair[]> {
    return this.applyRetractions(tx, version, undefined);
  }

  /**
   * Computes the membership of every pair of a version at the end of a rebuild, into its
   * membership partition (emptied first, still unindexed): one sorted pass over the facts in a
   * read-only snapshot (which holds back no catch-up reader: it has no transaction id), rows
   * written in slices of their own. Pairs that batches change meanwhile are the caller's to
   * recompute. Returns how many pairs it computed.
   */
  async computeAll(pool: Pool, version: number): Promise<number> {
    await pool.query('DELETE FROM read_model.membership WHERE version = $1', [version]);
    const rows = new MembershipRows();
    let pairs = 0;
    await inTransaction(
      pool,
      async (reader) => {
        await reader.query(
          `DECLARE facts_by_pair NO SCROLL CURSOR FOR
             SELECT f.coalition_id, f.country, ${FACT_COLUMNS}
               FROM read_model.facts f WHERE f.version = $1 AND f.type = ANY($2::text[])
              ORDER BY f.coalition_id, f.country`,
          [version, MEMBERSHIP_TYPE_LIST],
        );
        let current: Pair | undefined;
        let facts: MembershipFact[] = [];
        // One insert in flight while the next facts are fetched and computed: PostgreSQL writes
        // while Node computes. Handled at once (so a failure is no unhandled rejection), thrown
        // where it is awaited.
        let writing: Promise<unknown> = Promise.resolve();
        const write = async () => {
          await writing;
          writing = rows.insert(pool, version);
          writing.catch(() => undefined);
        };
        for (;;) {
          const { rows: batch } = await reader.query<PairFactTuple>({ text: 'FETCH 5000 FROM facts_by_pair', rowMode: 'array' });
          for (const r of batch) {
            if (!current || current[0] !== r[0] || current[1] !== r[1]) {
              if (current) rows.add(current, facts), pairs++;
              current = [r[0], r[1]];
              facts = [];
            }
            facts.push(pairSortedFact(r));
          }
          if (batch.length === 0) {
            if (current) rows.add(current, facts), pairs++;
            await write();
            await writing;
            break;
          }
          if (rows.size >= 5000) await write();
        }
      },
      READ_ONLY_SNAPSHOT,
    );
    return pairs;
  }

  /**
   * The facts' JSON (roles, source, data) goes as one JSON document of [roles, source, data]
   * triples, which PostgreSQL parses once and splits (jsonb_array_elements), and their instants
   * as epoch milliseconds: a jsonb[] parameter costs pg an escaping pass over every document in
   * Node and array_in an unescaping pass before jsonb_in, and Dates are printed by pg's own
   * formatter. ROWS FROM zips the columns by place.
   */
  private async insertFacts(facts: FactRow[], tx: PoolClient, version: number): Promise<void> {
    await tx.query(
      `INSERT INTO read_model.facts
         (version, report_id, position, type, coalition_id, country, roles, retracts, occurred_at, known_at, recorded_at, source, data)
       SELECT $1, f.report_id, f.position, f.type, f.coalition_id, f.country, f.json -> 0, f.retracts,
              ${fromEpochMs('f.occurred_at')}, ${fromEpochMs('f.known_at')}, ${fromEpochMs('f.recorded_at')}, f.json -> 1, f.json -> 2
         FROM ROWS FROM (unnest($2::text[]), unnest($3::bigint[]), unnest($4::text[]), unnest($5::text[]), unnest($6::text[]), unnest($7::text[]),
                         unnest($8::bigint[]), unnest($9::bigint[]), unnest($10::bigint[]), jsonb_array_elements($11::jsonb))
              AS f(report_id, position, type, coalition_id, country, retracts, occurred_at, known_at, recorded_at, json)`,
      [
        version,
        arrayLiteral(facts.map((f) => f.reportId)),
        arrayLiteral(facts.map((f) => f.position)),
        arrayLiteral(facts.map((f) => f.type)),
        arrayLiteral(facts.map((f) => f.coalitionId)),
        arrayLiteral(facts.map((f) => f.country)),
        arrayLiteral(facts.map((f) => f.retracts)),
        arrayLiteral(facts.map((f) => f.occurredAt.getTime())),
        arrayLiteral(facts.map((f) => f.knownAt.getTime())),
        arrayLiteral(facts.map((f) => f.recordedAt.getTime())),
        JSON.stringify(facts.map((f) => [f.roles, f.source, f.data])),
      ],
    );
  }

  /**
   * Marks retracted facts: for a batch, the targets of its retractions and the reports in it that
   * an earlier retraction named; without a batch, every retraction of the version. Each target
   * takes the earliest of all its retractions, stored or in the batch: a later retraction
   * arriving on its own must not move the retraction later. Retracting a retraction has no
   * effect. Returns the membership pairs whose facts changed.
   */
  private async applyRetractions(tx: PoolClient, version: number, batch: FactRow[] | undefined): Promise<Pair[]> {
    const scope = batch ? `AND r.retracts = ANY($2::text[])` : '';
    const params: unknown[] = batch ? [version, arrayLiteral(batch.map((f) => f.retracts ?? f.reportId))] : [version];
    const { rows } = await tx.query<{ coalition_id: string | null; country: string | null; type: string }>(
      `WITH targets AS (
         SELECT r.retracts AS report_id,
                (array_agg(r.known_at ORDER BY r.known_at, r.position))[1] AS retracted_at,
                (array_agg(r.report_id ORDER BY r.known_at, r.position))[1] AS retracted_by
           FROM read_model.facts r
          WHERE r.version = $1 AND r.retracts IS NOT NULL ${scope}
          GROUP BY r.retracts
       )
       UPDATE read_model.facts f
          SET retracted_at = t.retracted_at, retracted_by = t.retracted_by
         FROM targets t
        WHERE f.version = $1 AND f.report_id = t.report_id AND f.type <> 'report.retracted'
          AND f.retracted_at IS DISTINCT FROM t.retracted_at
       RETURNING f.coalition_id, f.country, f.type`,
      params,
    );
    return rows.filter((r) => MEMBERSHIP_TYPE_SET.has(r.type) && r.coalition_id && r.country).map((r) => [r.coalition_id!, r.country!] as const);
  }

  /**
   * Brings the membership rows of `pairs` to `membershipHistory` of all their facts, rewriting
   * only the rows that differ (diffMembershipRows).
   *
   * In slices of RECOMPUTE_SLICE pairs, pipelined on the transaction's connection: every slice's
   * reads are sent at once (the pool's clients are in pg's pipeline mode, createPgPool), so
   * PostgreSQL, which runs them in order, reads the next slices while Node computes this one, and
   * writes this one while Node computes the next. Done in one go, PostgreSQL and Node took turns
   * and each idled half of the time. Slices are disjoint sets of locked pairs, so their order
   * does not matter (decision 0011).
   */
  async recompute(pairs: ReadonlyArray<Pair>, tx: PoolClient, version: number): Promise<void> {
    if (pairs.length === 0) return;
    const pending = new StatementsInFlight();
    pending.add(this.lockPairs(pairs, tx, version));
    const reads: PairReads[] = [];
    for (let i = 0; i < pairs.length; i += RECOMPUTE_SLICE) reads.push(readPairs(tx, version, pairs.slice(i, i + RECOMPUTE_SLICE), pending));
    await this.rewrite(reads, tx, version, pending);
  }

  /**
   * One recomputation of a pair at a time, whoever does it (a live batch, the runner finishing
   * a rebuild): the later one waits here, then reads the facts and rows the earlier one
   * committed. A statement locks its pairs in key order, so that two of them cannot deadlock.
   */
  private async lockPairs(pairs: ReadonlyArray<Pair>, tx: PoolClient, version: number): Promise<void> {
    if (pairs.length === 0) return;
    await tx.query(
      `SELECT pg_advisory_xact_lock(key)
         FROM (SELECT hashtextextended($1 || '/' || c || '/' || k, 0) AS key FROM unnest($2::text[], $3::text[]) AS p(c, k) ORDER BY 1) ordered`,
      [String(version), arrayLiteral(pairs.map((p) => p[0])), arrayLiteral(pairs.map((p) => p[1]))],
    );
  }

  /**
   * Computes each slice's rows once its reads are in, in order, and queues the writes of the
   * rows that differ (diffMembershipRows); then waits for every statement queued. Each pair
   * computed is staged in `cache` as it will be once the batch commits.
   */
  private async rewrite(slices: ReadonlyArray<PairReads>, tx: PoolClient, version: number, pending: StatementsInFlight, cache?: PairCache): Promise<void> {
    try {
      for (const slice of slices) {
        const states = await slice.states;
        const skip = (await slice.retractedSoFar) ?? new Set<string>();
        const remove: Array<readonly [Pair, StoredMembershipRow]> = [];
        const out = new MembershipRows();
        const computed: ComputedPair[] = [];
        for (const [index, pair] of slice.pairs.entries()) {
          const key = pairKey(pair[0], pair[1]);
          if (skip.has(key)) continue;
          const state = states[index]!;
          const from = slice.knownFrom?.[index];
          // a pair's state may hold more rows than its new facts can change (PairCache)
          const stored = from === undefined ? state.rows : state.rows.filter((s) => isChangeableFrom(s.row, from));
          const diff = diffMembershipRows(stored, changeableFrom(membershipHistory(state.facts), from));
          if (diff.remove.length > 0) {
            const byId = new Map(stored.map((s) => [s.ctid, s]));
            for (const id of diff.remove) remove.push([pair, byId.get(id)!]);
          }
          if (cache) computed.push({ key, state, removed: diff.remove, added: diff.add, at: out.size });
          out.addRows(pair, diff.add);
        }
        // The rows' ids hold: the pairs are locked, and only a recomputation changes their rows
        // (deleteMembershipRows checks it all the same, for ids learnt in earlier batches).
        pending.add(deleteMembershipRows(tx, version, remove));
        const inserted = pending.add(out.insert(tx, version, { returnIds: cache !== undefined }));
        if (cache) pending.add(inserted.then((ids) => stageComputed(cache, computed, ids)));
      }
    } catch (error) {
      // the first statement that failed, if one did (a read's failure may only be the aborted transaction's echo)
      await pending.finish();
      throw error;
    }
    await pending.finish();
  }

}

/** A pair a slice recomputed: what it started from, the ids of the rows it deleted, the rows it added, from place `at` of the slice's insert. */
interface ComputedPair {
  key: string;
  state: PairState;
  removed: ReadonlyArray<string>;
  added: ReadonlyArray<MembershipRow>;
  at: number;
}

/**
 * Stages each pair a slice recomputed in `cache`: its facts, and its rows after the slice's
 * writes (those it started from, less those deleted, plus those inserted, with the ids the
 * insert returned). A pair whose returned rows do not carry the bounds it added, in order, is
 * dropped instead.
 */
function stageComputed(cache: PairCache, computed: ReadonlyArray<ComputedPair>, ids: ReadonlyArray<InsertedRowId>): void {
  for (const { key, state, removed, added, at } of computed) {
    const matches = added.every((row, i) => ids[at + i]?.[1] === row.validFrom && ids[at + i]?.[2] === row.knownFrom);
    if (!matches) {
      cache.stage(key, undefined);
      continue;
    }
    const gone = new Set(removed);
    const rows = state.rows.filter((s) => !gone.has(s.ctid));
    added.forEach((row, i) => rows.push({ ctid: ids[at + i]![0], row }));
    cache.stage(key, { facts: state.facts, rows, rowsFrom: state.rowsFrom });
  }
}

/**
 * Pairs per slice of a recomputation. A batch of 3,000 reports touches about 2,800 pairs: ten
 * slices. Smaller slices overlap Node and PostgreSQL more (less of the first slice's reads and
 * the last slice's writes waits alone) for three statements more per slice. Catching up 50,000
 * reports alone, interleaved: 300 faster than 750 in 6 rounds of 7 (medians 6.0
 * and 6.5 s) and in 3 of 3 with a cheaper observer of the lag; 150 no faster than 300.
 */
export const RECOMPUTE_SLICE = 300;

