import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Pool } from 'pg';
import { consumerLag, createTopicsWithLeaders, type TopicEnds } from '@annals/kafka';
import { partitionKey } from '@annals/publisher';
import { AppProcess } from '../tools/runtime/app-process';
import type { BenchContext } from './lib/bench-context';
import { machineSeconds, machineShare, treeSeconds, treeSecondsByChild, treeTotal } from './lib/cpu';
import { namePostgresWork, postgresWorkBetween, type PostgresWork } from './lib/postgres-work';
import { monotonicMicros, summarizeProfile, type ProfileSummary } from './lib/cpu-profile';
import { benchReport, liveDay, rng } from './lib/dataset';
import { writeLagPlot, type LagSample } from './lib/lag-plot';
import { PIPELINE_TABLES } from './lib/pipeline-tables';
import { interleaved, spreadEvenly, summarize, type Summary } from './lib/stats';

/**
 * End to end: messages published beforehand, until every one is stored and the read model has
 * applied it (consumer lag 0, projection lag 0), in events per second, against the raw pipeline
 * (parse + multi-row INSERT) and the floor pipeline (the least that keeps what Annals keeps) on
 * the same messages. Then the lag over time at a fixed rate and
 * after a burst.
 */
export interface E2eResult {
  messages: number;
  eventsPerSecond: Record<string, Summary>;
  cpuPerThousand: Record<string, Record<string, number>>;
  /** Annals' PostgreSQL CPU seconds per 1,000 events by whom it served (absent: results from before 2026-12-01 08:00 UTC). */
  postgresPerThousand?: Record<PostgresWork, number>;
  /**
   * Whether the floor pipeline (here and in the bursts) wrote the bitemporal membership rows too,
   * as bench/lib/raw-pipeline.ts does now. Absent: results from before 2026-12-02, when it wrote
   * the log and the facts only.
   */
  floorWritesMembership?: boolean;
  /** secondsToZeroLag: the median of the bursts (`trials`; results from before bursts were repeated have one and no `trials`); the plot shows the median one. */
  burst: {
    messages: number;
    secondsToZeroLag: number;
    trials?: number[];
    rate: number;
    plot: string;
    phases?: BurstPhases;
    /** Whether the burst's messages were keyed by coalition id (absent: results from before they were, unkeyed). */
    keyed?: boolean;
    /**
     * How the lags were polled: 'probe', the consumer group's committed offsets against the
     * topic's end offsets fetched once, and an index probe for the read model (its lag in the
     * plot counted after the run); absent: results from before, which counted the read model's
     * lag and fetched the topic's end offsets at every poll.
     */
    observer?: BurstObserver;
    /** Where the apps' own CPU went in one more burst, profiled (absent: results from before 2026-11-30 14:30 UTC). */
    profile?: BurstProfile;
    /**
     * The floor pipeline through the same bursts, interleaved with Annals' (A B B A ...): the
     * seconds from the end of publishing until its consumer group's lag was zero (its read model is
     * written in the transaction that stores the reports, so it is caught up then). Absent:
     * results from before 2026-12-01, which estimated the floor's drain from its throughput.
     */
    floor?: { secondsToZeroLag: number; trials: number[] };
    /**
     * The same burst runs with the reports in the order they were published (a live feed), in
     * turns with the others: the seconds to zero lag, and the median run's phases. Absent:
     * results from before 2026-12-01 08:30 UTC.
     */
    live?: { secondsToZeroLag: number; trials: number[]; phases: BurstPhases };
  };
}

/**
 * One more burst after the timed ones, with the ingestor and the projector under V8's
 * `--cpu-prof` (whose sampling slows them, so it is not one of the timed bursts): each app's self
 * time from the end of publishing until the read model had caught up.
 */
export interface BurstProfile {
  secondsToZeroLag: number;
  ingestor: ProfileSummary;
  projector: ProfileSummary;
}

/**
 * How the burst's end was polled: 'first-event', the first event after the read model's
 * checkpoint read through the log's order index (readModelCaughtUp); 'probe' (results before
 * 2026-11-30 11:45 UTC), any event after it, which PostgreSQL ran as a sequential scan of the
 * log up to the checkpoint; absent, the lags counted at every poll.
 */
export type BurstObserver = 'probe' | 'first-event';

/**
 * The order the burst runs' reports come in (benchReport): 'archive', in no order of publication
 * (the timed bursts and the target's); 'live', each published on or after the one before.
 */
export type PublicationOrder = 'archive' | 'live';

/**
 * Where the median burst's time went, from the end of its publishing: until the consumer group's
 * lag was zero (every message stored and its offset committed), then until the read model had
 * caught up. CPU seconds by process over each phase; `idle` is the share of the machine's cores
 * left unused (idle or waiting on I/O) in it.
 */
export interface BurstPhases {
  ingested: BurstPhase;
  caughtUp: BurstPhase;
}
export interface BurstPhase {
  seconds: number;
  cpu: Record<string, number>;
  /** PostgreSQL's CPU seconds (cpu.postgres) by whom they served (absent: results from before 2026-12-01 08:00 UTC). */
  postgres?: Record<PostgresWork, number>;
  idle: number;
  /** The share of the cores' time the hypervisor gave other machines (absent: results from before it was recorded). */
  stolen?: number;
}

export const ROOT = join(__dirname, '..');
type StoredTable = 'event_store.events' | 'raw_events' | 'floor_events';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A report as a Kafka message keyed as the publisher keys it (partitionKey: its coalition id here). */
function keyedMessage(report: ReturnType<typeof benchReport>): { key: string; value: string } {
  return { key: partitionKey(report), value: JSON.stringify(report) };
}

export async function publish(kafka: Kafka, topic: string, count: number, seed: number, prefix: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const random = rng(seed);
  for (let done = 0; done < count; done += 2000) {
    const messages = Array.from({ length: Math.min(2000, count - done) }, (_, i) => keyedMessage(benchReport(random, `${prefix}-${done + i}`)));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

/** The active read-model version's checkpoint (the start while it has none): no row while no version is active. */
const ACTIVE_CHECKPOINT = `SELECT coalesce(c.transaction_id, '0'::xid8) AS transaction_id, coalesce(c.position, 0) AS position
                             FROM read_model.versions v
                             LEFT JOIN event_store.checkpoints c ON c.subscription_id = 'coalition-membership@v' || v.version
                            WHERE v.state = 'active'`;

/**
 * Whether the active read model has applied every stored event: whether any event follows its
 * checkpoint, found as the first one in the log's order through the (transaction_id, position)
 * index: one index probe whatever the log's size. The benchmark polls on the cores it measures.
 * Its old polling (the events behind counted, the topic's end offsets fetched at every poll)
 * cost 1.1 CPU seconds per 5 s with the read model 25,000 events behind (its own process 0.4,
 * PostgreSQL 0.3, Kafka 0.4, above an idle baseline; scratch measurement, 3 rounds).
 * The probe must be the first row of an ordered read: `NOT EXISTS (SELECT 1 ... WHERE (..) > cp)`
 * was planned as a sequential scan (the checkpoint comes from a join, so the planner took a third
 * of the log to follow it), which stops at the first later event it meets in the heap: at once
 * while the read model is far behind, after reading the whole log once it is nearly caught up,
 * which is when the benchmark polls. Measured at 1,000,000 events with the checkpoint 500 events
 * from the end: 320 ms per poll against 0.2 ms (EXPLAIN ANALYZE). Results before 2026-11-30
 * 11:45 UTC were polled that way (BurstObserver 'probe'; docs/benchmarks.md says which). Not
 * caught up while no version is active.
 */
export async function readModelCaughtUp(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ caught_up: boolean }>(
    `SELECT (SELECT e.position FROM event_store.events e
               WHERE (e.transaction_id, e.position) > (cp.transaction_id, cp.position)
               ORDER BY e.transaction_id, e.position LIMIT 1) IS NULL AS caught_up
       FROM (${ACTIVE_CHECKPOINT}) cp`,
  );
  return rows[0]?.caught_up ?? false;
}

/** The active read model's checkpoint (the start while it has none; null while no version is active). */
async function readModelCheckpoint(pool: Pool): Promise<{ transactionId: string; position: string } | null> {
  const { rows } = await pool.query<{ transaction_id: string; position: string }>(
    `SELECT cp.transaction_id::text AS transaction_id, cp.position::text AS position FROM (${ACTIVE_CHECKPOINT}) cp`,
  );
  return rows[0] ? { transactionId: rows[0].transaction_id, position: rows[0].position } : null;
}

/**
 * The plot's read-model lag at each sample, counted once the run is over from the checkpoints
 * sampled: the events stored by the sample's time (recorded_at, their append's start) that
 * followed the checkpoint then. No count runs while the lag is measured.
 */
async function readModelLags(pool: Pool, samples: ReadonlyArray<{ at: Date; checkpoint: { transactionId: string; position: string } | null }>): Promise<number[]> {
  const { rows } = await pool.query<{ lag: number }>(
    `SELECT (SELECT count(*) FROM event_store.events e
              WHERE s.x IS NOT NULL AND (e.transaction_id, e.position) > (s.x, s.p) AND e.recorded_at <= s.at)::int AS lag
       FROM unnest($1::xid8[], $2::bigint[], $3::timestamptz[]) WITH ORDINALITY AS s(x, p, at, i)
      ORDER BY s.i`,
    [samples.map((s) => s.checkpoint?.transactionId ?? null), samples.map((s) => s.checkpoint?.position ?? null), samples.map((s) => s.at)],
  );
  return rows.map((r) => r.lag);
}

export async function e2eBenchmark(
  ctx: BenchContext,
  options: { messages: number; trials: number; burst: number; burstTrials: number; rate: number; plotFile: string },
): Promise<E2eResult> {
  const kafka = new Kafka({ brokers: ctx.settings.kafkaBrokers.split(','), clientId: 'bench', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-e2e-${Date.now()}`;
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: 6, configEntries: [{ name: 'max.message.bytes', value: String(2 * 1024 * 1024) }] }]);
  console.log(`    publishing ${options.messages} messages to ${topic}`);
  await publish(kafka, topic, options.messages, 77, 'e2e');
  const ends = await admin.fetchTopicOffsets(topic);
  const cpuTotals: Record<string, Record<string, number>> = {};
  const postgresTotals: Record<string, Record<string, number>> = {};
  let trial = 0;

  const annals = async () => {
    const n = trial++;
    const name = `bench_e2e_${n}`;
    const db = await ctx.database(name);
    const env = { KAFKA_BROKERS: ctx.settings.kafkaBrokers, DATABASE_URL: db.appUrl, KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: `annals-${n}`, LOG_LEVEL: 'warn' };
    const ingestor = new AppProcess('ingestor', join(ROOT, '.annals/logs/bench-ingestor.log'));
    const projector = new AppProcess('projector', join(ROOT, '.annals/logs/bench-projector.log'));
    const pool = new Pool({ connectionString: db.appUrl, max: 2 });
    const superuser = new Pool({ connectionString: db.adminUrl, max: 1 });
    ingestor.start(env, cpuProfile('ingestor', n));
    projector.start(env, cpuProfile('projector', n));
    // CPU is counted over the same window as time: from the first stored event (start-up excluded)
    await until(async () => (await stored(pool, 'event_store.events')) > 0, 600_000, 20);
    const reading = () => cpuReading(ctx, superuser, { ingestor: ingestor.pid, projector: projector.pid });
    const before = await reading();
    await until(async () => (await consumerLag(admin, `annals-${n}`, topic, ends)) === 0 && (await readModelCaughtUp(pool)));
    const seconds = await secondsSinceFirstRow(pool, 'event_store.events');
    const after = await reading();
    addCpu(cpuTotals, 'Annals', diff(after.cpu, before.cpu));
    addCpu(postgresTotals, 'Annals', postgresWorkBetween(before.postgres, after.postgres));
    await ingestor.stop();
    await projector.stop();
    await pool.end();
    await superuser.end();
    await ctx.dropDatabase(name);
    return options.messages / seconds;
  };

  /** The raw or the floor pipeline (bench/lib/raw-pipeline.ts) in a process of its own. */
  const pipeline = (mode: 'raw' | 'floor') => async () => {
    const n = trial++;
    const name = `bench_e2e_${n}`;
    const db = await ctx.database(name);
    const owner = new Pool({ connectionString: db.ownerUrl, max: 1 });
    for (const ddl of PIPELINE_TABLES[mode]) await owner.query(ddl);
    const table = mode === 'raw' ? 'raw_events' : 'floor_events';
    const child = pipelineProcess(ctx, mode, topic, `${mode}-${n}`, db.ownerUrl, options.messages);
    const exited = new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${mode} pipeline exited ${code}`)))));
    let pipelineCpu = 0;
    const sampler = setInterval(() => (pipelineCpu = procCpu(child.pid) || pipelineCpu), 100);
    await until(async () => (await stored(owner, table)) > 0, 600_000, 20);
    const before = { ...snapshotCpu(ctx), pipeline: procCpu(child.pid) };
    await exited;
    clearInterval(sampler);
    const seconds = await secondsSinceFirstRow(owner, table);
    await owner.end();
    addCpu(cpuTotals, `${mode} pipeline`, diff({ ...snapshotCpu(ctx), pipeline: pipelineCpu }, before));
    await ctx.dropDatabase(name);
    return options.messages / seconds;
  };

  const eventsPerSecond = await interleaved({ Annals: annals, 'floor pipeline': pipeline('floor'), 'raw pipeline': pipeline('raw') }, options.trials);
  console.log(`  e2e ${options.messages}: ${Object.entries(eventsPerSecond).map(([k, s]) => `${k} ${Math.round(s.median)}/s`).join(', ')}`);

  // Lag over time: a steady rate, then a burst, with both apps running; several times, as one
  // burst is one sample of a noisy machine. The plot is the median run's.
  // The floor pipeline takes the same bursts, in turns with Annals (A B B A ...), so that the
  // target's 5 s is set against what any pipeline keeping what Annals keeps needs on this machine.
  const bursts: Array<{ topic: string; secondsToZeroLag: number; phases: BurstPhases; plot: () => void }> = [];
  const floorBursts: Array<{ topic: string; secondsToZeroLag: number }> = [];
  // and, in turns with them, fewer runs whose reports come in the order they were published, in
  // rounds spread evenly among all (3 of 5: the first, the middle and the last)
  const liveBursts: typeof bursts = [];
  const liveRounds = spreadEvenly(Math.ceil(options.burstTrials / 2), options.burstTrials);
  for (let run = 0; run < options.burstTrials; run++) {
    if (run % 2 === 0) bursts.push(await lagOverTime(ctx, kafka, admin, options, run));
    floorBursts.push(await floorBurst(ctx, kafka, admin, options, run));
    if (run % 2 === 1) bursts.push(await lagOverTime(ctx, kafka, admin, options, run));
    if (liveRounds.has(run)) liveBursts.push(await lagOverTime(ctx, kafka, admin, { ...options, order: 'live' }, run));
  }
  const secondsToZeroLag = summarize(bursts.map((b) => b.secondsToZeroLag));
  const floorSeconds = summarize(floorBursts.map((b) => b.secondsToZeroLag));
  const medianOf = (runs: typeof bursts) => [...runs].sort((a, b) => a.secondsToZeroLag - b.secondsToZeroLag)[Math.floor((runs.length - 1) / 2)]!;
  const median = medianOf(bursts);
  median.plot();
  const liveSeconds = summarize(liveBursts.map((b) => b.secondsToZeroLag));
  console.log(`  burst of ${options.burst}: lag back to zero ${secondsToZeroLag.median.toFixed(1)} s after the burst was published (median of ${bursts.length}: ${secondsToZeroLag.trials.map((t) => t.toFixed(1)).join(', ')})`);
  const { topic: profiledTopic, ...profile } = await profiledBurst(ctx, kafka, admin, options, bursts.length);
  console.log(`  the floor pipeline, same bursts: lag back to zero ${floorSeconds.median.toFixed(1)} s (median of ${floorBursts.length}: ${floorSeconds.trials.map((t) => t.toFixed(1)).join(', ')})`);
  console.log(`  Annals, reports in publication order: lag back to zero ${liveSeconds.median.toFixed(1)} s (median of ${liveBursts.length}: ${liveSeconds.trials.map((t) => t.toFixed(1)).join(', ')})`);
  const burst = {
    messages: options.burst,
    secondsToZeroLag: secondsToZeroLag.median,
    trials: secondsToZeroLag.trials,
    rate: options.rate,
    plot: options.plotFile,
    phases: median.phases,
    keyed: true,
    observer: 'first-event' as const,
    profile,
    floor: { secondsToZeroLag: floorSeconds.median, trials: floorSeconds.trials },
    live: { secondsToZeroLag: liveSeconds.median, trials: liveSeconds.trials, phases: medianOf(liveBursts).phases },
  };
  await admin.disconnect();
  // only once this admin is gone: a kafkajs client keeps asking for the metadata of every topic it
  // has used, and fails once one of them is deleted
  await ctx.deleteTopics([topic, ...bursts.map((b) => b.topic), ...floorBursts.map((b) => b.topic), ...liveBursts.map((b) => b.topic), profiledTopic]);
  // CPU seconds per 1,000 events, each contender's totals over all its trials
  const perThousand = (seconds: Record<string, number>) => Object.fromEntries(Object.entries(seconds).map(([p, s]) => [p, (s / (options.messages * options.trials)) * 1000]));
  const cpuPerThousand = Object.fromEntries(Object.entries(cpuTotals).map(([name, procs]) => [name, perThousand(procs)]));
  const postgresPerThousand = perThousand(postgresTotals.Annals ?? {}) as Record<PostgresWork, number>;
  return { messages: options.messages, eventsPerSecond, cpuPerThousand, postgresPerThousand, floorWritesMembership: true, burst };
}

/** The burst once more, its apps profiled (BurstProfile). */
async function profiledBurst(ctx: BenchContext, kafka: Kafka, admin: Admin, options: { burst: number; rate: number; plotFile: string }, run: number): Promise<BurstProfile & { topic: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'annals-burst-profile-'));
  try {
    const { topic, secondsToZeroLag, window } = await lagOverTime(ctx, kafka, admin, options, run, dir);
    const summary = (app: string) => {
      const file = join(dir, `${app}.cpuprofile`);
      // written by V8 when the app exits of itself (AppProcess.stop asks it to)
      if (!existsSync(file)) throw new Error(`the ${app} left no CPU profile (${file}): did it exit of itself?`);
      return summarizeProfile(file, window.fromMicros, window.toMicros);
    };
    console.log(`    burst, profiled: lag back to zero ${secondsToZeroLag.toFixed(1)} s`);
    return { topic, secondsToZeroLag, ingestor: summary('ingestor'), projector: summary('projector') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One run: the seconds from the end of the burst's publishing to zero lag, and its plot, drawn on
 * demand. With `profileDir`, the apps write their V8 CPU profiles there (`<app>.cpuprofile`), and
 * `window` is the span from the end of publishing to zero lag on the profiles' clock.
 */
async function lagOverTime(ctx: BenchContext, kafka: Kafka, admin: Admin, options: { burst: number; rate: number; plotFile: string; order?: PublicationOrder }, run: number, profileDir?: string) {
  const topic = `bench-lag-${Date.now()}`;
  const group = `annals-lag-${options.order ?? 'archive'}-${run}`;
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: 6 }]);
  const db = await ctx.database('bench_lag');
  const env = { KAFKA_BROKERS: ctx.settings.kafkaBrokers, DATABASE_URL: db.appUrl, KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: group, LOG_LEVEL: 'warn' };
  const ingestor = new AppProcess('ingestor', join(ROOT, '.annals/logs/bench-ingestor.log'));
  const projector = new AppProcess('projector', join(ROOT, '.annals/logs/bench-projector.log'));
  const profiled = (app: string) => (profileDir ? cpuProfArgs(profileDir, `${app}.cpuprofile`) : cpuProfile(`${app}-burst`, run));
  ingestor.start(env, profiled('ingestor'));
  projector.start(env, profiled('projector'));
  const pool = new Pool({ connectionString: db.appUrl, max: 2 });
  const superuser = new Pool({ connectionString: db.adminUrl, max: 1 });
  await until(async () => {
    const { groups } = await admin.describeGroups([group]);
    return groups[0]?.state === 'Stable';
  });
  // Each sample: the consumer group's lag and the read model's checkpoint (its lag is counted
  // from them once the run is over). Once publishing ends, the topic's end offsets are known.
  const samples: Array<{ t: number; at: Date; consumerLag: number; checkpoint: Awaited<ReturnType<typeof readModelCheckpoint>> }> = [];
  let ends: TopicEnds | undefined;
  const t0 = Date.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const at = new Date();
      samples.push({ t: (at.getTime() - t0) / 1000, at, consumerLag: await consumerLag(admin, group, topic, ends), checkpoint: await readModelCheckpoint(pool) });
      await sleep(250);
    }
  })();
  const { producer, burstStarted, burstEnd } = await steadyThenBurst(kafka, topic, options);
  const burstStart = (burstStarted - t0) / 1000;
  // CPU by process and the machine's idle share, at the end of publishing, when the consumer
  // group's lag is zero (it only falls once publishing ends) and when the read model has caught up
  const snapshot = async () => {
    const at = Date.now();
    const micros = monotonicMicros();
    const machine = machineSeconds();
    return { at, micros, machine, ...(await cpuReading(ctx, superuser, { ingestor: ingestor.pid, projector: projector.pid }, benchmarkCpu())) };
  };
  type Snapshot = Awaited<ReturnType<typeof snapshot>>;
  const published = await snapshot();
  ends = await admin.fetchTopicOffsets(topic);
  let ingested: Snapshot | undefined;
  await until(async () => {
    if ((await consumerLag(admin, group, topic, ends)) !== 0) return false;
    ingested ??= await snapshot();
    return readModelCaughtUp(pool);
  }, 600_000);
  const caughtUp = await snapshot();
  const secondsToZeroLag = (caughtUp.at - burstEnd) / 1000;
  const phase = (from: Snapshot, to: Snapshot): BurstPhase => ({
    seconds: (to.at - from.at) / 1000,
    cpu: diff(to.cpu, from.cpu),
    postgres: postgresWorkBetween(from.postgres, to.postgres),
    idle: machineShare('idle', from.machine, to.machine),
    stolen: machineShare('stolen', from.machine, to.machine),
  });
  const phases: BurstPhases = { ingested: phase(published, ingested!), caughtUp: phase(ingested!, caughtUp) };
  await sleep(2000);
  sampling = false;
  await sampler;
  await producer.disconnect();
  const readModelLag = await readModelLags(pool, samples);
  const points: LagSample[] = samples.map((s, i) => ({ t: s.t, consumerLag: s.consumerLag, projectionLag: readModelLag[i]! }));
  const plot = () =>
    writeLagPlot(options.plotFile, points, `Lag: ${options.rate} messages/s for 20 s, then a burst of ${options.burst}`, [
      { t: burstStart, label: 'burst starts' },
      { t: (burstEnd - t0) / 1000, label: 'burst published' },
      { t: (burstEnd - t0) / 1000 + secondsToZeroLag, label: `lag 0 after ${secondsToZeroLag.toFixed(1)} s` },
    ]);
  await ingestor.stop();
  await projector.stop();
  await pool.end();
  await superuser.end();
  await ctx.dropDatabase('bench_lag');
  console.log(`    ${options.order === 'live' ? 'live-order ' : ''}burst ${run + 1}: lag back to zero ${secondsToZeroLag.toFixed(1)} s after the burst was published`);
  return { topic, secondsToZeroLag, phases, plot, window: { fromMicros: published.micros, toMicros: caughtUp.micros } };
}

/** The raw or the floor pipeline (bench/lib/raw-pipeline.ts) in a process of its own, until it has stored `expected` messages. */
function pipelineProcess(ctx: BenchContext, mode: 'raw' | 'floor', topic: string, group: string, databaseUrl: string, expected: number) {
  return spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'lib/raw-pipeline.ts'), mode, ctx.settings.kafkaBrokers, topic, group, databaseUrl, String(expected)], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * What every burst run publishes: `rate` messages per second for 20 s, then `burst` messages at
 * once, keyed as the publisher keys them, the same reports for every run in the same order of
 * publication (`order`, archive by default). Returns the producer
 * still connected (the caller disconnects it once its measurements are taken) and when the
 * burst's publishing started and ended (ms).
 */
async function steadyThenBurst(kafka: Kafka, topic: string, options: { burst: number; rate: number; order?: PublicationOrder }) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const random = rng(5);
  let n = 0;
  const report = (prefix: string) => {
    const k = n++;
    return keyedMessage(benchReport(random, `${prefix}-${k}`, options.order === 'live' ? liveDay(k) : undefined));
  };
  const steadyEnd = Date.now() + 20_000;
  while (Date.now() < steadyEnd) {
    const tick = Date.now();
    const messages = Array.from({ length: Math.round(options.rate / 10) }, () => report('steady'));
    await producer.send({ topic, acks: -1, messages });
    await sleep(Math.max(0, 100 - (Date.now() - tick)));
  }
  const burstStarted = Date.now();
  for (let done = 0; done < options.burst; done += 5000) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: Math.min(5000, options.burst - done) }, () => report('burst')) });
  }
  return { producer, burstStarted, burstEnd: Date.now() };
}

/**
 * One burst run of the floor pipeline (bench/lib/raw-pipeline.ts, in a process of its own, on a
 * topic, a consumer group and a database of its own): the seconds from the end of the burst's
 * publishing until the group's lag is zero, polled as Annals' end is (every 100 ms, the topic's
 * end offsets fetched once).
 */
async function floorBurst(ctx: BenchContext, kafka: Kafka, admin: Admin, options: { burst: number; rate: number }, run: number): Promise<{ topic: string; secondsToZeroLag: number }> {
  const topic = `bench-lag-floor-${Date.now()}`;
  const group = `floor-lag-${run}`;
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: 6 }]);
  const db = await ctx.database('bench_lag');
  const owner = new Pool({ connectionString: db.ownerUrl, max: 1 });
  for (const ddl of PIPELINE_TABLES.floor) await owner.query(ddl);
  // it never reaches its expected count: it runs until it is stopped
  const child = pipelineProcess(ctx, 'floor', topic, group, db.ownerUrl, Number.MAX_SAFE_INTEGER);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    // (bounded: a pipeline that died at start would otherwise be waited for as long as a run)
    await until(async () => {
      const { groups } = await admin.describeGroups([group]);
      return groups[0]?.state === 'Stable';
    }, 120_000);
    const { producer, burstEnd } = await steadyThenBurst(kafka, topic, options);
    const ends = await admin.fetchTopicOffsets(topic);
    await until(async () => (await consumerLag(admin, group, topic, ends)) === 0, 600_000);
    const secondsToZeroLag = (Date.now() - burstEnd) / 1000;
    await producer.disconnect();
    console.log(`    floor burst ${run + 1}: lag back to zero ${secondsToZeroLag.toFixed(1)} s after the burst was published`);
    return { topic, secondsToZeroLag };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await owner.end();
    await ctx.dropDatabase('bench_lag');
  }
}

/**
 * Seconds from the first row stored until now (the moment everything was found done): the
 * throughput clock of both contenders starts at their first stored event, so neither is timed
 * on process start-up and joining the consumer group (seconds, which 20,000 messages would not
 * amortize). Both clocks are PostgreSQL's.
 */
async function secondsSinceFirstRow(pool: Pool, table: StoredTable): Promise<number> {
  const { rows } = await pool.query<{ seconds: number }>(`SELECT extract(epoch FROM clock_timestamp() - min(recorded_at))::float8 AS seconds FROM ${table}`);
  return rows[0]!.seconds;
}

async function stored(pool: Pool, table: StoredTable): Promise<number> {
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} LIMIT 1) x`)).rows[0]!.n;
}

export async function until(check: () => Promise<boolean>, timeoutMs = 1_800_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('benchmark timed out waiting');
    await sleep(everyMs);
  }
}

/** With BENCH_CPU_PROF=<dir>, the apps write V8 CPU profiles there (open them in Chrome DevTools). */
function cpuProfile(app: string, trial: number): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? cpuProfArgs(dir, `${app}-${trial}.cpuprofile`) : [];
}

/** Node's options for a V8 CPU profile written, when the app exits, to `dir`/`name`. */
function cpuProfArgs(dir: string, name: string): string[] {
  return ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', name];
}

function procCpu(pid: number | undefined): number {
  return pid ? treeSeconds(pid) : 0;
}

/** This process: after publishing, it only polls the lags (kafkajs admin requests, a count in PostgreSQL). */
function benchmarkCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * CPU seconds so far by process (Kafka, PostgreSQL, the apps, and this benchmark's when given),
 * and PostgreSQL's by whom it served. PostgreSQL's processes are read once, with the others: its
 * CPU and its split are the same reading; only the session list that names them is read after.
 */
async function cpuReading(ctx: BenchContext, superuser: Pool, apps: Record<string, number | undefined>, benchmark?: number) {
  const processes = treeSecondsByChild(ctx.postgresPid!);
  const cpu: Record<string, number> = { kafka: procCpu(ctx.kafkaPid), postgres: treeTotal(processes) };
  for (const [app, pid] of Object.entries(apps)) cpu[app] = procCpu(pid);
  if (benchmark !== undefined) cpu.benchmark = benchmark;
  return { cpu, postgres: await namePostgresWork(processes, superuser) };
}

function snapshotCpu(ctx: BenchContext): Record<string, number> {
  return { kafka: procCpu(ctx.kafkaPid), postgres: procCpu(ctx.postgresPid) };
}

function diff(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

function addCpu(totals: Record<string, Record<string, number>>, name: string, used: Record<string, number>): void {
  for (const [proc, s] of Object.entries(used)) (totals[name] ??= {})[proc] = (totals[name]![proc] ?? 0) + s;
}
