import { createHash } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { PostgresEventStore } from '@annals/event-store';
import type { BenchContext } from './lib/bench-context';
import { CpuMeter } from './lib/cpu';
import { FLOOR_CHAINED_APPEND, FLOOR_CHAINED_BROKEN_LINKS, FLOOR_CHAINED_DDL } from './lib/floor-chained-append';
import { FLOOR_EVENTS_TABLE, PIPELINE_TABLES } from './lib/pipeline-tables';
import { interleaved, type Summary } from './lib/stats';

/**
 * Append throughput: Annals' append vs Emmett's appendToStream vs a raw multi-row INSERT of
 * the same rows through pg (and COPY for batches of 100), for batches of 1, 10 and 100 events
 * of ~512 bytes, with 1 and 8 concurrent writers, each on streams of its own. Annals is measured
 * both ways it offers: PostgresEventStore.append (the appends submitted in the same tick by the
 * writers of one process share calls: docs/decisions/0019-append-shares-calls.md) and
 * PostgresEventStore.appendAlone (a transaction per append, what append was before it shared).
 */

export interface AppendResult {
  batch: number;
  writers: number;
  /** Blocks per trial (absent in results measured before trials were cut in blocks: 1). */
  blocks?: number;
  eventsPerSecond: Record<string, Summary>;
  cpuPerThousand: Record<string, Record<string, number>>;
}

const FILLER = 'x'.repeat(380);
/** The payload of a benchmark event (~512 bytes as stored). */
export const payload = (i: number) => ({ reportId: `r-${i}`, coalitionId: 'coalition-against-isis', country: 'FR', roles: [{ kind: 'air-strikes', theater: 'IQ' }], note: FILLER });

/** The events of a writer's append number `append` as Annals' writers send them, each with its idempotency key `<keyPrefix>-<k>`. */
export const benchEvents = (batch: number, append: number, keyPrefix: string) =>
  Array.from({ length: batch }, (_, k) => ({ type: 'coalition.member-joined', data: payload(k), metadata: { correlationId: `c-${append}` }, occurredAt: new Date(), idempotencyKey: `${keyPrefix}-${k}` }));

/** The section's database: every contender's tables side by side, dropped by the caller once its statements are read. */
export const APPEND_DATABASE = 'bench_append';

/** Every contender's store, side by side in one database. */
export interface AppendStores {
  store: PostgresEventStore;
  emmett: ReturnType<typeof getPostgreSQLEventStore>;
  /** The floor's and the raw contenders' connections (the table owner). */
  owner: Pool;
  /** The database as a superuser (VACUUM, statistics). */
  adminUrl: string;
  close(): Promise<void>;
}

/** A fresh database `name` with every contender's tables, and their stores. */
export async function openAppendStores(ctx: BenchContext, name: string): Promise<AppendStores> {
  const db = await ctx.database(name);
  const pool = ctx.pool(db.appUrl, 12);
  const store = new PostgresEventStore(pool);
  const emmett = getPostgreSQLEventStore(db.ownerUrl, { connectionOptions: { pooled: true } } as never);
  await emmett.schema.migrate();
  const owner = new Pool({ connectionString: db.ownerUrl, max: 12 });
  for (const ddl of [...PIPELINE_TABLES.raw, ...FLOOR_EVENTS_TABLE, ...FLOOR_CHAINED_DDL]) await owner.query(ddl);
  return {
    store,
    emmett,
    owner,
    adminUrl: db.adminUrl,
    async close() {
      await emmett.close();
      await owner.end();
      await pool.end();
    },
  };
}

/**
 * A contender's writer: appends `count` batches to a stream of its own, named from `prefix` and
 * `writer`, its appends numbered from `first` (the stream holds `first` batches already: a trial
 * in blocks goes on with the same streams).
 */
export type AppendWriter = (writer: number, prefix: string, first: number, count: number) => Promise<void>;

/** Every contender's writer for batches of `batch` events (COPY forms at 100 only). */
export function appendWriters(stores: AppendStores, batch: number): Record<string, AppendWriter> {
  const { store, emmett, owner } = stores;
  // Both of Annals' ways to append take the same arguments and give the same answer.
  const annalsWriter = async (form: 'append' | 'appendAlone', w: number, prefix: string, first: number, count: number) => {
    for (let i = first, version = first * batch; i < first + count; i++) {
      const result = await store[form](`${prefix}-w${w}`, benchEvents(batch, i, `${prefix}-${w}-${i}`), { expectedVersion: version });
      version = result.nextExpectedVersion;
    }
  };
  // The floor's writers chain each stream's rows onto its head, kept between the blocks of a trial.
  const chains = new Map<string, ReturnType<typeof floorChain>>();
  const chainOf = (streamId: string) => chains.get(streamId) ?? chains.set(streamId, floorChain(streamId)).get(streamId)!;
  const writers: Record<string, AppendWriter> = {
    annals: (w, prefix, first, count) => annalsWriter('append', w, prefix, first, count),
    'annals alone': (w, prefix, first, count) => annalsWriter('appendAlone', w, prefix, first, count),
    emmett: async (w, prefix, first, count) => {
      let version = BigInt(first * batch);
      for (let i = first; i < first + count; i++) {
        const result = await emmett.appendToStream(
          `${prefix}-w${w}`,
          Array.from({ length: batch }, (_, k) => ({ type: 'coalition.member-joined', data: payload(k), metadata: { correlationId: `c-${i}` } })),
          { expectedStreamVersion: version },
        );
        version = result.nextExpectedStreamVersion;
      }
    },
    // The least any append must do to keep what Annals keeps: one INSERT of the rows into a
    // table with Annals' constraints and indexes, the hash chain computed by the writer (which
    // owns its streams here, so it knows their heads) and the expected version enforced by the
    // unique (stream, version) alone. No stream table, no duplicate answers, no checks in the
    // database: an upper bound for Annals on this machine (with COPY for 100, below).
    floor: async (w, prefix, first, count) => {
      const chain = chainOf(`${prefix}-w${w}`);
      for (let i = first; i < first + count; i++) {
        const rows = chain.next(i, batch, `${prefix}-${w}-${i}`);
        await owner.query(FLOOR_INSERT, FLOOR_COLUMNS.map((_, c) => rows.map((r) => r[c])));
      }
    },
    // The least an append must do when its chain covers the events as stored, so that it can be
    // checked (lib/floor-chained-append.ts): made in PostgreSQL, as Annals makes it.
    [FLOOR_CHAINED]: async (w, prefix, first, count) => {
      for (let i = first; i < first + count; i++) {
        const keys = Array.from({ length: batch }, (_, k) => `${prefix}-${w}-${i}-${k}`);
        await owner.query({
          ...FLOOR_CHAINED_APPEND,
          values: [
            `${prefix}-w${w}`,
            i * batch + 1,
            keys.map(() => 'coalition.member-joined'),
            JSON.stringify(keys.map((_, k) => payload(k))),
            JSON.stringify(keys.map(() => ({ correlationId: `c-${i}` }))),
            keys.map(() => new Date()),
            keys,
          ],
        });
      }
    },
    'raw INSERT': async (w, prefix, first, count) => {
      for (let i = first; i < first + count; i++) {
        const values: string[] = [];
        const params: unknown[] = [];
        for (let k = 0; k < batch; k++) {
          const n = params.length;
          values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5})`);
          params.push(`${prefix}-w${w}`, i * batch + k + 1, 'coalition.member-joined', JSON.stringify(payload(k)), JSON.stringify({ correlationId: `c-${i}` }));
        }
        await owner.query(`INSERT INTO raw_events (stream_id, stream_version, event_type, payload, metadata) VALUES ${values.join(', ')}`, params);
      }
    },
  };
  if (batch === 100) {
    writers['floor COPY'] = async (w, prefix, first, count) => {
      const chain = chainOf(`${prefix}-w${w}`);
      const client = await owner.connect();
      try {
        for (let i = first; i < first + count; i++) {
          const rows = chain.next(i, batch, `${prefix}-${w}-${i}`).map((r) => r.map(copyText).join('\t'));
          await copyRows(client, `COPY floor_events (${FLOOR_COLUMNS.join(', ')}) FROM STDIN`, rows);
        }
      } finally {
        client.release();
      }
    };
    writers['raw COPY'] = async (w, prefix, first, count) => {
      const client = await owner.connect();
      try {
        for (let i = first; i < first + count; i++) {
          const rows = Array.from({ length: batch }, (_, k) =>
            [`${prefix}-w${w}`, i * batch + k + 1, 'coalition.member-joined', JSON.stringify(payload(k)), JSON.stringify({ correlationId: `c-${i}` })].map(copyText).join('\t'),
          );
          await copyRows(client, 'COPY raw_events (stream_id, stream_version, event_type, payload, metadata) FROM STDIN', rows);
        }
      } finally {
        client.release();
      }
    };
  }
  return writers;
}

/** The floor whose chain covers the events as stored, made in PostgreSQL (its contender's name). */
export const FLOOR_CHAINED = 'floor chained in PostgreSQL';

/** Appends per writer in one trial: a trial of a few seconds at each batch size. */
const appendsPerWriterFor = (batch: number, writers: number) => Math.max(4, Math.round((batch === 1 ? 1600 : batch === 10 ? 700 : 240) / writers));

/**
 * Blocks per trial in the append section (stats' `interleaved`). Its trials take a few seconds
 * each, and on this shared machine two contenders' trials, seconds apart, met different spells:
 * Annals' two forms, doing the same work with 1 writer, differed by 10% in one run. In blocks of
 * a few tenths of a second every contender meets the same spells.
 */
export const APPEND_BLOCKS = 4;

/** How a trial's appends are cut: `blocks` blocks of `appendsPerBlock` appends by each of `writers` writers, `batch` events each. */
export interface TrialPlan {
  writers: number;
  batch: number;
  blocks: number;
  appendsPerBlock: number;
}

/** The plan of a trial of about `appendsPerWriterFor(batch, writers)` appends per writer in `blocks` blocks. */
export const trialPlan = (batch: number, writers: number, blocks: number): TrialPlan => ({
  writers,
  batch,
  blocks,
  appendsPerBlock: Math.max(1, Math.round(appendsPerWriterFor(batch, writers) / blocks)),
});

/** Events one trial of `plan` appends. */
const trialEvents = (plan: TrialPlan) => plan.blocks * plan.appendsPerBlock * plan.writers * plan.batch;

/**
 * Times the writers of one contender, one block per call (events per second), adding their CPU
 * to `cpuTotals[name]`; every trial writes streams of its own (`run` numbers them), its blocks
 * going on with them.
 */
export function trialOf(cpu: CpuMeter, plan: TrialPlan, cpuTotals: Record<string, Record<string, number>>, label: string, run: () => number) {
  const events = plan.appendsPerBlock * plan.writers * plan.batch;
  return (name: string, work: AppendWriter) => {
    let calls = 0;
    let prefix = '';
    return async () => {
      const block = calls++ % plan.blocks;
      if (block === 0) prefix = `${name.replace(/\W/g, '_')}-${label}-${run()}`;
      cpu.begin();
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: plan.writers }, (_, w) => work(w, prefix, block * plan.appendsPerBlock, plan.appendsPerBlock)));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = cpu.end();
      cpuTotals[name] ??= {};
      for (const [proc, s] of Object.entries(used)) cpuTotals[name]![proc] = (cpuTotals[name]![proc] ?? 0) + s;
      return events / seconds;
    };
  };
}

export async function appendBenchmark(ctx: BenchContext, options: { trials: number }): Promise<AppendResult[]> {
  const stores = await openAppendStores(ctx, APPEND_DATABASE);
  const cpu = new CpuMeter(() => ({ postgres: ctx.postgresPid, node: process.pid }));
  const results: AppendResult[] = [];
  let run = 0;
  for (const batch of [1, 10, 100]) {
    for (const writers of [1, 8]) {
      const plan = trialPlan(batch, writers, APPEND_BLOCKS);
      const cpuTotals: Record<string, Record<string, number>> = {};
      const timed = trialOf(cpu, plan, cpuTotals, `${batch}-${writers}`, () => run++);
      const contenders = Object.fromEntries(Object.entries(appendWriters(stores, batch)).map(([name, work]) => [name, timed(name, work)]));
      const eventsPerSecond = await interleaved(contenders, options.trials, plan.blocks);
      const cpuPerThousand = Object.fromEntries(
        Object.entries(cpuTotals).map(([name, procs]) => [name, Object.fromEntries(Object.entries(procs).map(([p, s]) => [p, (s / (trialEvents(plan) * options.trials)) * 1000]))]),
      );
      results.push({ batch, writers, blocks: plan.blocks, eventsPerSecond, cpuPerThousand });
      console.log(
        `  append batch ${batch}, ${writers} writer(s): ` +
          Object.entries(eventsPerSecond)
            .map(([n, s]) => `${n} ${Math.round(s.median)}/s`)
            .join(', '),
      );
    }
  }
  await checkFloorChains(stores.owner);
  await stores.close();
  return results;
}

/** Refuses results whose PostgreSQL-chained floor made a chain that its stored events do not reproduce. */
async function checkFloorChains(owner: Pool): Promise<void> {
  const { rows } = await owner.query<{ checked: number; broken: number }>(FLOOR_CHAINED_BROKEN_LINKS, [20]);
  const { checked, broken } = rows[0]!;
  if (checked === 0 || broken > 0) throw new Error(`the floor chained in PostgreSQL: ${broken} of ${checked} events checked do not follow their chain`);
  console.log(`  the floor chained in PostgreSQL: ${checked} events of 20 streams recomputed from the stored log, every link holds`);
}

export const FLOOR_COLUMNS = ['stream_id', 'stream_version', 'event_type', 'payload', 'metadata', 'occurred_at', 'idempotency_key', 'hash'] as const;

/** The floor's append in its INSERT form: one statement, a column array per FLOOR_COLUMNS. */
export const FLOOR_INSERT = `INSERT INTO floor_events (stream_id, stream_version, event_type, payload, metadata, occurred_at, idempotency_key, hash)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::json[], $5::json[], $6::timestamptz[], $7::text[], $8::bytea[])`;

/** A floor writer's stream: the rows of its next append, each hashed onto the one before (sha256, as Annals chains). */
export function floorChain(streamId: string) {
  let head = Buffer.alloc(0);
  return {
    next(append: number, batch: number, keyPrefix: string): unknown[][] {
      return Array.from({ length: batch }, (_, k) => {
        const row: unknown[] = [streamId, append * batch + k + 1, 'coalition.member-joined', JSON.stringify(payload(k)), JSON.stringify({ correlationId: `c-${append}` }), new Date(), `${keyPrefix}-${k}`];
        head = createHash('sha256').update(head).update(JSON.stringify(row)).digest();
        return [...row, head];
      });
    },
  };
}

/** A value in COPY's text format. */
function copyText(value: unknown): string {
  const text = Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : value instanceof Date ? value.toISOString() : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

async function copyRows(client: PoolClient, statement: string, rows: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(statement));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(rows.join('\n') + '\n');
  });
}
