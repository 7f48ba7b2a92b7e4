import type { Pool, PoolClient } from 'pg';
import { MEMBERSHIP_TYPES } from '@annals/contracts';
import { inTransaction, READ_ONLY_SNAPSHOT } from '@annals/database';
import { epochMs } from '@annals/projections';
import { type ReadModelMark, readModelMark } from './read-model-mark';
import type { StateCopy } from './state-copy';
import { type SourceFields, StateCopyBuilder, type StoredRole } from './state-copy-builder';

/** What a load read: the mark its rows are of, and the copy, or null when it would hold more facts than allowed. */
export interface LoadedStateCopy {
  mark: ReadModelMark;
  copy: StateCopy | null;
  /** Membership facts of the active version. */
  facts: number;
}

/** Rows per FETCH: a slice decoded at a time, so that the rows of a whole version are never in memory as objects. */
const SLICE = 10_000;
const MEMBERSHIP = [...MEMBERSHIP_TYPES];

/**
 * Reads the active read-model version into a StateCopy, in one read-only snapshot, with the
 * mark read in that same snapshot: the copy is of exactly the rows at that mark. A read-only
 * snapshot takes no transaction id, so it holds back no catch-up reader of the log. Rows come
 * through cursors in the orders StateCopyBuilder takes; empty ranges (none is written, but
 * `@>` would never hold them) are left out, as the statement would never match them.
 * `moved` is asked after each slice: when it says the read model has moved on, the load stops
 * (LoadAbandonedError), as its copy could never answer.
 */
export function loadStateCopy(pool: Pool, maxFacts: number, moved: () => Promise<boolean> = async () => false): Promise<LoadedStateCopy> {
  return inTransaction(
    pool,
    async (db) => {
      const mark = await readModelMark(db);
      const version = mark.version;
      if (version === null) return { mark, copy: new StateCopyBuilder(0, 0).build(), facts: 0 };
      const { rows: counts } = await db.query<{ facts: number; rows: number }>(
        `SELECT (SELECT count(*)::int FROM read_model.facts WHERE version = $1 AND type = ANY($2::text[])) AS facts,
                (SELECT count(*)::int FROM read_model.membership WHERE version = $1 AND NOT isempty(valid) AND NOT isempty(known)) AS rows`,
        [version, MEMBERSHIP],
      );
      const { facts, rows } = counts[0]!;
      if (facts > maxFacts) return { mark, copy: null, facts };
      const builder = new StateCopyBuilder(facts, rows);

      await eachRow<[string, string, number, number, number | null, string, string, string | null, string | null]>(
        db,
        `SELECT f.coalition_id, f.country, ${epochMs('f.occurred_at')}, ${epochMs('f.known_at')}, ${epochMs('f.retracted_at')},
                f.report_id, f.source->>'publisher', f.source->>'url', f.source->>'publishedAt'
           FROM read_model.facts f WHERE f.version = $1 AND f.type = ANY($2::text[])
          ORDER BY f.coalition_id, f.country, f.occurred_at, f.known_at, f.report_id`,
        [version, MEMBERSHIP],
        (r) => {
          const source: SourceFields = { reportId: r[5], publisher: r[6], url: r[7], publishedAt: r[8] };
          builder.addFact(r[0], r[1], r[2], r[3], r[4], source);
        },
        moved,
      );
      await eachRow<[string, string, number | null, number | null, number | null, number | null, number, StoredRole[]]>(
        db,
        `SELECT m.coalition_id, m.country, ${epochMs('lower(m.valid)')}, ${epochMs('upper(m.valid)')}, ${epochMs('lower(m.known)')}, ${epochMs('upper(m.known)')},
                ${epochMs('m.since')}, m.roles
           FROM read_model.membership m WHERE m.version = $1 AND NOT isempty(m.valid) AND NOT isempty(m.known)
          ORDER BY m.coalition_id, m.country`,
        [version],
        (r) => builder.addMembershipRow(r[0], r[1], [r[2], r[3]], [r[4], r[5]], r[6], r[7]),
        moved,
      );
      // the same facts, in the same order, as CoalitionQueries' formedLateral reads
      await eachRow<[string, number, number, number | null, string | null]>(
        db,
        `SELECT f.coalition_id, ${epochMs('f.occurred_at')}, ${epochMs('f.known_at')}, ${epochMs('f.retracted_at')}, f.data->>'name'
           FROM read_model.facts f WHERE f.version = $1 AND f.type = 'coalition.formed'
          ORDER BY f.coalition_id, f.occurred_at, f.known_at, f.position`,
        [version],
        (r) => builder.addFormed(r[0], r[1], r[2], r[3], r[4]),
        moved,
      );
      await eachRow<[string]>(db, 'SELECT c.coalition_id FROM read_model.coalitions c WHERE c.version = $1', [version], (r) => builder.addCoalition(r[0]), moved);
      return { mark, copy: builder.build(), facts };
    },
    READ_ONLY_SNAPSHOT,
  );
}

/** A load stopped because the read model moved on while it read. */
export class LoadAbandonedError extends Error {
  constructor() {
    super('the read model moved on while its copy was being loaded');
  }
}

let cursors = 0;

/** Every row of a statement through a cursor, a slice at a time, each given to `take` as an array. */
async function eachRow<R extends unknown[]>(db: PoolClient, sql: string, values: unknown[], take: (row: R) => void, moved: () => Promise<boolean>): Promise<void> {
  const cursor = `state_copy_${++cursors}`;
  await db.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, values);
  for (;;) {
    const { rows } = await db.query<R>({ text: `FETCH ${SLICE} FROM ${cursor}`, rowMode: 'array' });
    for (const r of rows) take(r);
    if (rows.length < SLICE) break;
    if (await moved()) throw new LoadAbandonedError();
  }
  await db.query(`CLOSE ${cursor}`);
}
