import { Client } from 'pg';
import type { BenchContext } from './lib/bench-context';
import { CpuMeter } from './lib/cpu';
import { interleaved, type Summary } from './lib/stats';
import { appendWriters, benchEvents, openAppendStores, payload, trialOf, trialPlan, type AppendStores } from './append.bench';

/**
 * Append as the log grows: Annals' append, Emmett's appendToStream and the raw INSERT at batches
 * of 10 with 1 and 8 writers, each into a store that already holds `stored` events (a database
 * per size, every contender's store filled alike). What grows with the log is the
 * indexes every append writes (position, stream version, idempotency key) and the one it probes
 * (the idempotency key, before anything is written).
 */
export interface AppendScaleResult {
  stored: number;
  batch: number;
  writers: number;
  eventsPerSecond: Record<string, Summary>;
}

/** The contenders compared at each size: Annals' append against the peer and the raw baseline. */
const CONTENDERS = ['annals', 'emmett', 'raw INSERT'] as const;
/** Events per append when filling a store (streams of this many events). */
const FILL_BATCH = 1000;

export async function appendScaleBenchmark(ctx: BenchContext, options: { sizes: number[]; trials: number }): Promise<AppendScaleResult[]> {
  // Every size's store exists at once and the trials of all sizes are interleaved: a machine
  // that warms up or slows down during the section weighs on every size alike (run one size
  // after the other, the first ran cold and its log looked the costlier).
  const stores = new Map<number, AppendStores>();
  const results: AppendScaleResult[] = [];
  let run = 0;
  try {
    for (const stored of options.sizes) {
      const started = Date.now();
      const sized = await openAppendStores(ctx, databaseOf(stored));
      stores.set(stored, sized);
      await fill(sized, stored);
      // a log that has been written for a while has been vacuumed: not left to autovacuum during the trials
      const admin = new Client({ connectionString: sized.adminUrl });
      await admin.connect();
      await admin.query('VACUUM (ANALYZE)');
      await admin.end();
      console.log(`  append at ${stored} stored events: filled and vacuumed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const cpu = new CpuMeter(() => ({ postgres: ctx.postgresPid, node: process.pid }));
    for (const writers of [1, 8]) {
      const batch = 10;
      const timed = trialOf(cpu, trialPlan(batch, writers, 1), {}, `${batch}-${writers}`, () => run++);
      const contenders: Record<string, () => Promise<number>> = {};
      for (const [stored, sized] of stores) {
        const all = appendWriters(sized, batch);
        for (const name of CONTENDERS) contenders[`${name}@${stored}`] = timed(name, all[name]!);
      }
      const measured = await interleaved(contenders, options.trials);
      for (const stored of stores.keys()) {
        const eventsPerSecond = Object.fromEntries(CONTENDERS.map((name) => [name, measured[`${name}@${stored}`]!]));
        results.push({ stored, batch, writers, eventsPerSecond });
        console.log(`  append at ${stored} stored events, batch ${batch}, ${writers} writer(s): ` + CONTENDERS.map((n) => `${n} ${Math.round(eventsPerSecond[n]!.median)}/s`).join(', '));
      }
    }
  } finally {
    for (const [stored, sized] of stores) {
      await sized.close();
      await ctx.dropDatabase(databaseOf(stored));
    }
  }
  return results;
}

const databaseOf = (stored: number) => `bench_append_${stored}`;

/** `count` events into every contender's store, in streams of FILL_BATCH, through each one's own append (the raw table: one INSERT ... SELECT). */
async function fill(stores: AppendStores, count: number): Promise<void> {
  const streams = Array.from({ length: Math.ceil(count / FILL_BATCH) }, (_, i) => ({ i, size: Math.min(FILL_BATCH, count - i * FILL_BATCH) }));
  // two streams at a time: both cores busy, as the trials' writers keep them
  const inTurns = async (work: (stream: { i: number; size: number }) => Promise<void>) => {
    let next = 0;
    await Promise.all([0, 1].map(async () => {
      while (next < streams.length) await work(streams[next++]!);
    }));
  };
  await inTurns(({ i, size }) => stores.store.append(`filled-${i}`, benchEvents(size, 0, `filled-${i}`), { expectedVersion: 'no-stream' }).then(() => undefined));
  await inTurns(({ i, size }) =>
    stores.emmett
      .appendToStream(`filled-${i}`, Array.from({ length: size }, (_, k) => ({ type: 'coalition.member-joined', data: payload(k), metadata: { correlationId: 'c-0' } })))
      .then(() => undefined),
  );
  await stores.owner.query(
    `INSERT INTO raw_events (stream_id, stream_version, event_type, payload, metadata)
     SELECT 'filled-' || (g / ${FILL_BATCH}), g % ${FILL_BATCH} + 1, 'coalition.member-joined', $1::json, $2::json FROM generate_series(0, $3::int - 1) AS g`,
    [JSON.stringify(payload(0)), JSON.stringify({ correlationId: 'c-0' }), count],
  );
}
