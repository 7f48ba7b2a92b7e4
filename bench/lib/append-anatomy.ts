import { Client, Pool } from 'pg';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { APPEND_STATEMENT, PostgresEventStore } from '@annals/event-store';
import { JSON_APPEND_SIGNATURE as APPEND_SIGNATURE } from '@annals/event-store/schema/1764300027000-log-keeps-json-as-sent';
import { benchEvents, FLOOR_COLUMNS, FLOOR_INSERT, floorChain, payload } from '../append.bench';
import type { BenchContext } from './bench-context';
import { FLOOR_CHAINED_APPEND, FLOOR_CHAINED_DDL } from './floor-chained-append';
import { FLOOR_EVENTS_TABLE } from './pipeline-tables';
import { summarize } from './stats';

/**
 * Where one append spends PostgreSQL's time, statement by statement: Annals' `append` with
 * pg_stat_statements tracking the statements inside its function too (`track = all`), next to
 * Emmett's function, the floor's INSERT and a copy of `append` without its chain, each called
 * the same number of times by one writer, interleaved in blocks; and end to end, each
 * contender's time per append on the writer's clock in the same blocks, with what a commit's
 * flush to disk costs, which every contender pays. Measured apart from the throughput trials
 * (tracking nested statements costs a little itself), in a database of its own, after them.
 */
export interface AppendAnatomy {
  batch: number;
  /** Calls of each contender. */
  calls: number;
  /** Server time per call (µs, pg_stat_statements' execution time). */
  annalsUs: number;
  emmettUs: number;
  /** Statements Emmett sends per append (its function, and BEGIN and COMMIT around it): each a round trip. */
  emmettStatements: number;
  floorUs: number;
  /** Server time per call of the floor chained in PostgreSQL (lib/floor-chained-append.ts; absent in results measured before it). */
  floorChainedUs?: number;
  /**
   * Server time per call of a copy of `append` (made in this database only) whose loop makes no
   * canonical bytes and no sha256 link: what the chain costs. Absent when the loop has changed
   * shape and the copy could not be made.
   */
  unchainedUs?: number;
  /**
   * The chain's cost block by block (µs per call): in each block, `append`'s server time per call
   * less the copy's, the two run side by side. Its spread says how far this machine's spells move
   * the one figure above (absent in results measured before it was kept).
   */
  chainUsByBlock?: number[];
  /** Annals' call, part by part (µs per call); the last part is what no statement inside the function accounts for. */
  parts: Array<{ part: string; us: number }>;
  /**
   * Time per append on the writer's clock (µs), in the same blocks: the call, its round trips, its
   * commit and the writer's own work; `unchained`: the copy without the chain, called with the
   * same statement and arguments but bare (not through PostgresEventStore, whose own work it skips).
   */
  wallUs?: AnatomyContenders;
  /**
   * Server time per append (µs), the median of the blocks (absent in results measured before it
   * was kept; `wallUs` was then each contender's total over the blocks, not their median).
   */
  blockServerUs?: AnatomyContenders;
  /**
   * A one-row INSERT committed by the same writer, waiting for the disk's flush of the commit
   * (synchronous_commit on, as every contender commits) and not (off), interleaved in blocks (µs
   * each): the flush is a cost of every append's commit, whoever writes.
   */
  commitUs?: { flushed: number; unflushed: number };
}

/** A figure of each contender of the anatomy (µs per append). */
export interface AnatomyContenders {
  annals: number;
  emmett: number;
  floor: number;
  unchained?: number;
  floorChained?: number;
}

export const ANATOMY_DATABASE = 'bench_anatomy';

/** The part of a call that answered with a row per event (results measured before migration 1764300026000). */
export const ANSWER_ROWS_PART = 'the answer rows';

/** Annals' statements inside event_store.append, by what they do (the first pattern that matches). */
const PARTS: Array<[RegExp, string]> = [
  [/INSERT INTO event_store\.events/, 'the INSERT of the events (the log\'s 4 indexes)'],
  // (since migration 1764300024000 the keys are not probed before the INSERT, nor the stream's row locked)
  [/FROM event_store\.streams s WHERE s\.stream_id = p_stream_id/, 'the stream\'s head, read'],
  [/UPDATE event_store\.streams/, 'the stream\'s new head'],
  // (until migration 1764300026000, which answers in one row, made of PL/pgSQL assignments)
  [/SELECT r\.key/, ANSWER_ROWS_PART],
];
export const UNTRACKED_PART =
  'the rest: each event\'s position, canonical bytes and sha256 link (PL/pgSQL expressions, which pg_stat_statements does not track), the start-up of the statements above and the function\'s own';

/** The top-level calls of `append` and of its copy without the chain, as pg_stat_statements keeps their text. */
const APPEND_CALL = /event_store\.append\(/;
const UNCHAINED_CALL = /event_store\.append_unchained\(/;
/** Each contender's top-level call, as pg_stat_statements keeps its text (Emmett's: its function, not its BEGIN and COMMIT). */
const SERVER_CALLS: Record<'annals' | 'unchained' | 'emmett' | 'floor' | 'floorChained', RegExp> = {
  annals: APPEND_CALL,
  unchained: UNCHAINED_CALL,
  emmett: /emt_append_to_stream/,
  floor: /INSERT INTO floor_events/,
  floorChained: /floor_chained_append\(/,
};
/** The link of the chain in append's loop: the assignment that makes an event's bytes and hashes them. */
const CHAIN_LINK = /v_hash := sha256\([\s\S]*?\)\);/;

/** Makes event_store.append_unchained: `append` with a constant where the chain's link is made; false if the loop has no such link. */
async function createUnchainedAppend(admin: Client): Promise<boolean> {
  const { rows } = await admin.query<{ def: string }>(`SELECT pg_get_functiondef('${APPEND_SIGNATURE}'::regprocedure) AS def`);
  const def = rows[0]!.def;
  if (!CHAIN_LINK.test(def)) return false;
  await admin.query(def.replace('FUNCTION event_store.append(', 'FUNCTION event_store.append_unchained(').replace(CHAIN_LINK, "v_hash := '\\x00'::bytea;"));
  await admin.query(`GRANT EXECUTE ON FUNCTION ${APPEND_SIGNATURE.replace('append(', 'append_unchained(')} TO annals_app`);
  return true;
}

/** A one-row INSERT's commit with and without waiting for the flush (see AppendAnatomy.commitUs): the median of `blocks` interleaved blocks each. */
async function commitTimes(owner: Pool, blocks: number): Promise<{ flushed: number; unflushed: number }> {
  const client = await owner.connect();
  try {
    await client.query('CREATE TABLE anatomy_commits (x integer)');
    const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let b = 0; b < blocks; b++) {
      for (const mode of b % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        await client.query(`SET synchronous_commit = ${mode}`);
        const started = process.hrtime.bigint();
        for (let i = 0; i < 100; i++) await client.query('INSERT INTO anatomy_commits VALUES (1)');
        times[mode].push(Number(process.hrtime.bigint() - started) / 1e3 / 100);
      }
    }
    await client.query('RESET synchronous_commit');
    return { flushed: summarize(times.on).median, unflushed: summarize(times.off).median };
  } finally {
    client.release();
  }
}

export async function appendAnatomy(ctx: BenchContext, options: { batch: number; calls: number; blocks: number }): Promise<AppendAnatomy> {
  const db = await ctx.database(ANATOMY_DATABASE);
  const admin = new Client({ connectionString: db.adminUrl });
  await admin.connect();
  // sessions opened from here on track the statements inside functions
  await admin.query(`ALTER DATABASE ${ANATOMY_DATABASE} SET pg_stat_statements.track = 'all'`);
  const pool = ctx.pool(db.appUrl, 1);
  const owner = new Pool({ connectionString: db.ownerUrl, max: 1 });
  const store = new PostgresEventStore(pool);
  const emmett = getPostgreSQLEventStore(db.ownerUrl, { connectionOptions: { pooled: true } } as never);
  try {
    await emmett.schema.migrate();
    for (const ddl of [...FLOOR_EVENTS_TABLE, ...FLOOR_CHAINED_DDL]) await owner.query(ddl);
    const { batch } = options;
    let stream = 0;
    const contenders: Partial<Record<'annals' | 'unchained' | 'emmett' | 'floor' | 'floorChained', (calls: number) => Promise<void>>> = {
      annals: async (calls) => {
        const id = `anatomy-${stream++}`;
        for (let i = 0, version = 0; i < calls; i++) version = (await store.append(id, benchEvents(batch, i, `${id}-${i}`), { expectedVersion: version })).nextExpectedVersion;
      },
      emmett: async (calls) => {
        const id = `anatomy-${stream++}`;
        for (let i = 0, version = 0n; i < calls; i++) {
          const events = Array.from({ length: batch }, (_, k) => ({ type: 'coalition.member-joined', data: payload(k), metadata: { correlationId: `c-${i}` } }));
          version = (await emmett.appendToStream(id, events, { expectedStreamVersion: version })).nextExpectedStreamVersion;
        }
      },
      floor: async (calls) => {
        const id = `anatomy-${stream++}`;
        const chain = floorChain(id);
        for (let i = 0; i < calls; i++) {
          const rows = chain.next(i, batch, `${id}-${i}`);
          await owner.query(FLOOR_INSERT, FLOOR_COLUMNS.map((_, c) => rows.map((r) => r[c])));
        }
      },
      floorChained: async (calls) => {
        const id = `anatomy-${stream++}`;
        for (let i = 0; i < calls; i++) {
          const events = benchEvents(batch, i, `${id}-${i}`);
          await owner.query({
            ...FLOOR_CHAINED_APPEND,
            values: [id, i * batch + 1, events.map((e) => e.type), JSON.stringify(events.map((e) => e.data)), JSON.stringify(events.map((e) => e.metadata)), events.map((e) => e.occurredAt), events.map((e) => e.idempotencyKey)],
          });
        }
      },
    };
    if (batch > 1 && (await createUnchainedAppend(admin))) {
      // called with PostgresEventStore's own statement for `append`, its arguments in the same form
      contenders.unchained = async (calls) => {
        const id = `anatomy-${stream++}`;
        for (let i = 0; i < calls; i++) {
          const events = benchEvents(batch, i, `${id}-${i}`);
          await pool.query({
            name: 'append_unchained',
            text: APPEND_STATEMENT.text.replace('event_store.append(', 'event_store.append_unchained('),
            values: [id, 'anatomy', i * batch, events.map((e) => e.type), events.map(() => 1), JSON.stringify(events.map((e) => e.data)), JSON.stringify(events.map((e) => e.metadata)), events.map((e) => e.occurredAt), events.map((e) => e.idempotencyKey)],
          });
        }
      };
    }
    const names = Object.keys(contenders) as Array<keyof typeof contenders>;
    for (const name of names) await contenders[name]!(50); // plans cached, connections open
    await admin.query('SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)');
    const perBlock = Math.ceil(options.calls / options.blocks);
    // server time of a top-level statement so far (ms), read around each contender's run of a
    // block; filtered here, not by a LIKE, whose own text would match itself
    const serverMs = async (pattern: RegExp) => {
      const { rows } = await admin.query<{ query: string; total: number }>(
        `SELECT s.query, s.total_exec_time AS total FROM pg_stat_statements s
          WHERE s.toplevel AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return rows.filter((r) => pattern.test(r.query)).reduce((sum, r) => sum + r.total, 0);
    };
    const chainUsByBlock: number[] = [];
    // each contender's time per append, block by block, on the writer's clock and the server's:
    // their medians, so that one stalled block does not move a contender's figure
    const wallByBlock = new Map<string, number[]>();
    const serverByBlock = new Map<string, number[]>();
    for (let b = 0; b < options.blocks; b++) {
      for (const name of b % 2 === 0 ? names : [...names].reverse()) {
        const before = await serverMs(SERVER_CALLS[name]);
        const started = process.hrtime.bigint();
        await contenders[name]!(perBlock);
        const us = Number(process.hrtime.bigint() - started) / 1e3;
        wallByBlock.set(name, [...(wallByBlock.get(name) ?? []), us / perBlock]);
        serverByBlock.set(name, [...(serverByBlock.get(name) ?? []), (((await serverMs(SERVER_CALLS[name])) - before) * 1000) / perBlock]);
      }
      if (contenders.unchained) chainUsByBlock.push(serverByBlock.get('annals')!.at(-1)! - serverByBlock.get('unchained')!.at(-1)!);
    }
    const blockMedian = (byBlock: Map<string, number[]>, name: string) => (byBlock.has(name) ? summarize(byBlock.get(name)!).median : undefined);
    const blockMedians = (byBlock: Map<string, number[]>): AnatomyContenders => ({
      annals: blockMedian(byBlock, 'annals')!,
      emmett: blockMedian(byBlock, 'emmett')!,
      floor: blockMedian(byBlock, 'floor')!,
      unchained: blockMedian(byBlock, 'unchained'),
      floorChained: blockMedian(byBlock, 'floorChained'),
    });
    const calls = perBlock * options.blocks;

    const { rows } = await admin.query<{ query: string; toplevel: boolean; app: boolean; calls: number; total: number }>(
      `SELECT s.query, s.toplevel, r.rolname = 'annals_app' AS app, s.calls::float8 AS calls, s.total_exec_time AS total
         FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
        WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const us = (total: number) => (total * 1000) / calls;
    const top = (pattern: RegExp) => us(rows.filter((r) => r.toplevel && pattern.test(r.query)).reduce((sum, r) => sum + r.total, 0));
    const annalsUs = top(APPEND_CALL);
    const parts = new Map<string, number>();
    // The unchained copy runs the same statements, which pg_stat_statements counts as one with
    // append's (it keys them by their text): each function's share is half of it.
    const functions = contenders.unchained ? 2 : 1;
    for (const r of rows.filter((x) => !x.toplevel && x.app)) {
      const part = PARTS.find(([pattern]) => pattern.test(r.query))?.[1] ?? 'other statements';
      parts.set(part, (parts.get(part) ?? 0) + us(r.total) / functions);
    }
    const tracked = [...parts.values()].reduce((a, b) => a + b, 0);
    // after the statements are read: the owner's statements are counted as Emmett's
    const commitUs = await commitTimes(owner, options.blocks);
    return {
      batch,
      calls,
      annalsUs,
      emmettUs: top(SERVER_CALLS.emmett),
      // the owner's statements are Emmett's and the floors'; each floor sends its call alone
      // (and this function's own reads of pg_stat_statements between blocks, which are neither's)
      emmettStatements: rows.filter((r) => r.toplevel && !r.app && !/INSERT INTO floor_events|floor_chained_append|pg_stat_statements/.test(r.query)).reduce((sum, r) => sum + r.calls, 0) / calls,
      floorUs: top(SERVER_CALLS.floor),
      floorChainedUs: top(SERVER_CALLS.floorChained),
      unchainedUs: contenders.unchained ? top(SERVER_CALLS.unchained) : undefined,
      chainUsByBlock: contenders.unchained ? chainUsByBlock : undefined,
      parts: [...[...parts].map(([part, v]) => ({ part, us: v })).sort((a, b) => b.us - a.us), { part: UNTRACKED_PART, us: annalsUs - tracked }],
      wallUs: blockMedians(wallByBlock),
      blockServerUs: blockMedians(serverByBlock),
      commitUs,
    };
  } finally {
    await emmett.close();
    await owner.end();
    await pool.end();
    await admin.end();
    await ctx.dropDatabase(ANATOMY_DATABASE);
  }
}
