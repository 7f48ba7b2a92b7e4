import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client, Pool } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { createTopicsWithLeaders } from '@annals/kafka';
import { CoalitionQueries } from '@annals/queries';
import { freePort } from '@annals/testing';
import { AppProcess } from '../tools/runtime/app-process';
import type { BenchContext } from './lib/bench-context';
import { benchReport, rng } from './lib/dataset';
import { resetStatements } from './lib/pg-stats';
import { percentile } from './lib/stats';
import type { Dataset } from './replay.bench';

/**
 * Point-in-time queries: GET /coalitions/{id}?at=&knownAt= with random parameters against the api
 * (its own process), driven by autocannon from another process at a fixed rate, idle and while
 * the ingestor and projector take in a backlog at full speed.
 */
export interface Latency {
  requests: number;
  errors: number;
  non2xx: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Mean response size in bytes (headers and body). */
  meanBytes: number;
}

/** The state statement's own time in PostgreSQL during the idle load (pg_stat_statements). */
export interface StatementTime {
  calls: number;
  meanMs: number;
  maxMs: number;
}

export interface QueryResult {
  events: number;
  idle: Latency;
  /** Absent in results from before it was measured. */
  idleSql?: StatementTime;
  /**
   * The floor server (bench/lib/query-floor-server.ts) under the same idle load, right after
   * the api's: the least any server answering with the whole answer takes. Absent in results
   * from before it was measured.
   */
  floorIdle?: Latency;
  /** The floor server under the same ingest, right after the api's load (absent before it was measured). */
  floorUnderIngest?: Latency;
  floorIngestedDuringLoad?: number;
  /**
   * The send-only server (bench/lib/query-send-only-server.ts) under the same loads, in turn with
   * the api and the floor: every answer already in memory as the api's bytes, only written. The
   * machine's own floor for any server. Absent in results from before it was measured.
   */
  sendOnlyIdle?: Latency;
  sendOnlyUnderIngest?: Latency;
  sendOnlyIngestedDuringLoad?: number;
  underIngest: Latency;
  /** Absent in results from before it was measured. */
  underIngestSql?: StatementTime;
  ingestedDuringLoad: number;
  /**
   * The share of the api's answers (idle, under ingest) that came from its copy of the read
   * model in memory (CoalitionStates), the rest from PostgreSQL: its annals_state_answers_total
   * around its loads. Absent in results from before the copy was built.
   */
  fromMemory?: { idle: number; underIngest: number };
  /** The api's copy when it was loaded (absent before it was built). */
  copy?: CopyHeld;
  plan: string;
  /**
   * Each trial's latencies, api and floor interleaved (A B B A ...); the figures above are their
   * per-percentile medians. Absent in results from before trials were run (one load each then).
   */
  trials?: {
    idle: Latency[];
    floorIdle: Latency[];
    underIngest: Latency[];
    floorUnderIngest: Latency[];
    ingested: number[];
    floorIngested: number[];
    sendOnlyIdle?: Latency[];
    sendOnlyUnderIngest?: Latency[];
    sendOnlyIngested?: number[];
  };
}

/** Several trials' latencies as one: each percentile the trials' median, counts summed, the largest max. */
function medianOf(trials: Latency[]): Latency {
  const mid = (pick: (l: Latency) => number) => percentile(trials.map(pick), 50);
  return {
    requests: trials.reduce((n, l) => n + l.requests, 0),
    errors: trials.reduce((n, l) => n + l.errors, 0),
    non2xx: trials.reduce((n, l) => n + l.non2xx, 0),
    p50: mid((l) => l.p50),
    p95: mid((l) => l.p95),
    p99: mid((l) => l.p99),
    max: Math.max(...trials.map((l) => l.max)),
    meanBytes: mid((l) => l.meanBytes),
  };
}

const ROOT = join(__dirname, '..');

function load(baseUrl: string, seconds: number, rate: number, seed: number): Promise<Latency> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'lib/load.ts'), baseUrl, String(seconds), String(rate), String(seed)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Latency) : reject(new Error(`load generator exited ${code}`))));
  });
}

/** A sample's value in the api's Prometheus scrape (labels: a part of its label set), 0 when it has none. */
const sample = (scrape: string, name: string, labels = '') => Number(scrape.match(new RegExp(`^${name}(?:\\{[^}]*${labels}[^}]*\\})? (\\S+)`, 'm'))?.[1] ?? 0);

/** The api's annals_state_answers_total: states answered from its copy in memory, and from PostgreSQL. */
async function stateAnswers(baseUrl: string): Promise<{ memory: number; postgres: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return { memory: sample(text, 'annals_state_answers_total', 'from="memory"'), postgres: sample(text, 'annals_state_answers_total', 'from="postgres"') };
}

/** The api's memory once it holds its copy of the read model, and how long it waited for it. */
export interface CopyHeld {
  facts: number;
  /** From the warm-up's end: the projector's rest (1 s), then the load. */
  waitedSeconds: number;
  rssMiB: number;
  heapUsedMiB: number;
}

/** Waits until the api holds its copy of the read model (annals_state_copy_facts above 0). */
async function copyLoaded(baseUrl: string): Promise<CopyHeld> {
  const started = Date.now();
  const deadline = started + 600_000;
  for (;;) {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const facts = sample(text, 'annals_state_copy_facts');
    if (facts > 0) {
      return { facts, waitedSeconds: (Date.now() - started) / 1000, rssMiB: sample(text, 'process_resident_memory_bytes') / 2 ** 20, heapUsedMiB: sample(text, 'nodejs_heap_size_used_bytes') / 2 ** 20 };
    }
    if (Date.now() > deadline) throw new Error('the api did not load its copy of the read model within 10 minutes (bench-api.log says why)');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function queryBenchmark(ctx: BenchContext, data: Dataset, options: { seconds: number; rate: number; backlog: number; trials: number }): Promise<QueryResult> {
  const port = await freePort();
  const env = { KAFKA_BROKERS: ctx.settings.kafkaBrokers, DATABASE_URL: data.appUrl, PORT: String(port), LOG_LEVEL: 'warn' };
  const api = new AppProcess('api', join(ROOT, '.annals/logs/bench-api.log'));
  api.start(env);
  const baseUrl = `http://127.0.0.1:${port}`;
  for (;;) {
    const ok = await fetch(`${baseUrl}/health/live`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // the api's statement and its queryid (stateStatementTime); pg_stat_statements is the server's, so it
  // is emptied first of earlier sizes' statements
  await resetStatements(data.adminUrl);
  await load(baseUrl, 3, options.rate, 99); // warm-up: plans cached, pages in memory
  const stateQueryId = (await stateStatementTime(data.adminUrl))?.queryid;
  // the api loads its copy of the read model once it sees the projector at rest: measured with it
  const copy = await copyLoaded(baseUrl);
  const floor = await startServer('lib/query-floor-server.ts', data.appUrl);
  await load(floor.baseUrl, 3, options.rate, 99);
  // The send-only server holds, before any load, the api's answer to every question the loads
  // below will ask (idle seeds from 1, under ingest from 101, the warm-up's 99): idle answers, so
  // under ingest it sends what the api sent before the backlog, a little smaller than the api's then.
  const sendOnly = await startServer('lib/query-send-only-server.ts', baseUrl);
  const perLoad = Math.ceil(options.seconds * options.rate * 1.2) + 10; // more than any load asks
  for (const seed of [99, ...Array.from({ length: options.trials }, (_, t) => [1 + t, 101 + t]).flat()]) {
    const filled = await fetch(`${sendOnly.baseUrl}/__fill?seed=${seed}&count=${perLoad}`);
    if (!filled.ok) throw new Error(`the send-only server's fill for seed ${seed}: ${await filled.text()}`);
  }
  await load(sendOnly.baseUrl, 3, options.rate, 99);

  /**
   * `options.trials` loads of the api, the floor server and the send-only server, interleaved
   * (A B C C B A ...), each contender's load of a trial with the same requests (the trial's
   * seed); with `count`, the events stored during each load.
   */
  const takeTurns = async (seed: number, count?: () => Promise<number>) => {
    const urls = { api: baseUrl, floor: floor.baseUrl, sendOnly: sendOnly.baseUrl };
    const out = { api: [] as Latency[], floor: [] as Latency[], sendOnly: [] as Latency[] };
    const ingested = { api: [] as number[], floor: [] as number[], sendOnly: [] as number[] };
    const answered = { memory: 0, postgres: 0 };
    const order = ['api', 'floor', 'sendOnly'] as const;
    for (let t = 0; t < options.trials; t++) {
      for (const who of t % 2 === 0 ? order : [...order].reverse()) {
        const before = count ? await count() : 0;
        const answersBefore = who === 'api' ? await stateAnswers(baseUrl) : undefined;
        out[who].push(await load(urls[who], options.seconds, options.rate, seed + t));
        if (count) ingested[who].push((await count()) - before);
        if (answersBefore) {
          const after = await stateAnswers(baseUrl);
          answered.memory += after.memory - answersBefore.memory;
          answered.postgres += after.postgres - answersBefore.postgres;
        }
      }
    }
    return { ...out, ingested, fromMemory: answered.memory / Math.max(1, answered.memory + answered.postgres) };
  };
  await resetStatements(data.adminUrl);
  const idleTrials = await takeTurns(1);
  const idleSql = (await stateStatementTime(data.adminUrl, stateQueryId))?.time;

  // a backlog for the ingestor to take in at full speed while the same load runs
  const kafka = new Kafka({ brokers: ctx.settings.kafkaBrokers.split(','), clientId: 'bench', logLevel: logLevel.NOTHING });
  const topic = `bench-backlog-${data.events}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: 6 }]);
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const random = rng(data.events + 1);
  for (let done = 0; done < options.backlog; done += 2000) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 2000 }, (_, i) => ({ value: JSON.stringify(benchReport(random, `backlog-${data.events}-${done + i}`)) })) });
  }
  await producer.disconnect();
  const appsEnv = { ...env, KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: `backlog-${data.events}` };
  const ingestor = new AppProcess('ingestor', join(ROOT, '.annals/logs/bench-ingestor.log'));
  const projector = new AppProcess('projector', join(ROOT, '.annals/logs/bench-projector.log'));
  const pool = new Pool({ connectionString: data.appUrl, max: 1 });
  const count = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
  ingestor.start(appsEnv);
  projector.start(appsEnv);
  // wait until ingestion is under way, so that the load meets it at full speed
  const before = await count();
  while ((await count()) < before + 2000) await new Promise((resolve) => setTimeout(resolve, 100));
  await resetStatements(data.adminUrl);
  const ingestTrials = await takeTurns(101, count);
  const underIngestSql = (await stateStatementTime(data.adminUrl, stateQueryId))?.time;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const ingestedDuringLoad = sum(ingestTrials.ingested.api);
  const floorIngestedDuringLoad = sum(ingestTrials.ingested.floor);
  const sendOnlyIngestedDuringLoad = sum(ingestTrials.ingested.sendOnly);
  const [idle, floorIdle, sendOnlyIdle, underIngest, floorUnderIngest, sendOnlyUnderIngest] = [idleTrials.api, idleTrials.floor, idleTrials.sendOnly, ingestTrials.api, ingestTrials.floor, ingestTrials.sendOnly].map(medianOf) as [
    Latency, Latency, Latency, Latency, Latency, Latency,
  ];
  await floor.stop();
  await sendOnly.stop();
  await ingestor.stop();
  await projector.stop();
  await ctx.deleteTopics([topic]);

  await pool.end();
  await api.stop();
  const plan = await statePlan(data.adminUrl);
  console.log(
    `  queries at ${data.events}: idle p50 ${idle.p50.toFixed(2)} p99 ${idle.p99.toFixed(2)} ms (floor ${floorIdle.p50.toFixed(2)} / ${floorIdle.p99.toFixed(2)}, send-only ${sendOnlyIdle.p50.toFixed(2)} / ${sendOnlyIdle.p99.toFixed(2)}); ` +
      `copy of ${copy.facts} facts held after ${copy.waitedSeconds.toFixed(1)} s (rss ${copy.rssMiB.toFixed(0)} MiB, heap ${copy.heapUsedMiB.toFixed(0)} MiB); answers from memory ${(idleTrials.fromMemory * 100).toFixed(0)}% idle, ${(ingestTrials.fromMemory * 100).toFixed(0)}% under ingest; ` +
      `under ingest p99 ${underIngest.p99.toFixed(2)} ms (${ingestedDuringLoad} events ingested meanwhile; floor ${floorUnderIngest.p99.toFixed(2)} ms, ${floorIngestedDuringLoad} events; send-only ${sendOnlyUnderIngest.p99.toFixed(2)} ms, ${sendOnlyIngestedDuringLoad} events)`,
  );
  const trialResults = {
    idle: idleTrials.api,
    floorIdle: idleTrials.floor,
    sendOnlyIdle: idleTrials.sendOnly,
    underIngest: ingestTrials.api,
    floorUnderIngest: ingestTrials.floor,
    sendOnlyUnderIngest: ingestTrials.sendOnly,
    ingested: ingestTrials.ingested.api,
    floorIngested: ingestTrials.ingested.floor,
    sendOnlyIngested: ingestTrials.ingested.sendOnly,
  };
  return {
    events: data.events,
    idle,
    idleSql,
    floorIdle,
    floorUnderIngest,
    floorIngestedDuringLoad,
    sendOnlyIdle,
    sendOnlyUnderIngest,
    sendOnlyIngestedDuringLoad,
    underIngest,
    underIngestSql,
    ingestedDuringLoad,
    fromMemory: { idle: idleTrials.fromMemory, underIngest: ingestTrials.fromMemory },
    copy,
    plan,
    trials: trialResults,
  };
}

/** One of the comparison servers (bench/lib/<script> <port> <arg>) in a process of its own, listening; `stop` ends it. */
async function startServer(script: string, arg: string): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const server = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, script), String(port), arg], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    server.stdout.once('data', () => resolve());
    void exited.then(() => reject(new Error(`${script} exited ${server.exitCode}`)));
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The coalition-state statement: its calls and times since the last reset, found by its text,
 * or by its queryid once known (under heavy ingest pg_stat_statements may garbage-collect its
 * file of query texts, and the text reads as null: that measurement was lost once at 1M).
 * The text is matched on what holds no constant: pg_stat_statements stores a statement first
 * prepared after the reset with its constants as $n (json_build_object($5, ...)), and one
 * prepared before it as sent, so a constant in the pattern finds it only sometimes. The floor
 * server's statement has neither `SELECT n.name, n.formed_at,` at its start nor `AS members`.
 */
async function stateStatementTime(adminUrl: string, queryid?: string): Promise<{ queryid: string; time: StatementTime } | undefined> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ queryid: string; calls: string; mean: number; max: number }>(
      `SELECT queryid::text AS queryid, calls, mean_exec_time AS mean, max_exec_time AS max FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND (($1::bigint IS NOT NULL AND queryid = $1::bigint) OR (query LIKE 'SELECT n.name, n.formed_at,%' AND query LIKE '%) AS members%'))
        ORDER BY calls DESC LIMIT 1`,
      [queryid ?? null],
    );
    const row = rows[0];
    return row ? { queryid: row.queryid, time: { calls: Number(row.calls), meanMs: row.mean, maxMs: row.max } } : undefined;
  } finally {
    await client.end();
  }
}

/**
 * The plan PostgreSQL runs for one state question, through the api's own code
 * (CoalitionQueries), read with auto_explain: actual rows per node, no timings.
 */
async function statePlan(adminUrl: string): Promise<string> {
  const pool = new Pool({ connectionString: adminUrl, max: 1 });
  const plans: string[] = [];
  try {
    const client = await pool.connect();
    client.on('notice', (notice) => plans.push(notice.message ?? ''));
    await client.query(`LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
                        SET auto_explain.log_timing = off; SET auto_explain.log_level = 'notice'; SET client_min_messages = 'notice'`);
    client.release();
    await new CoalitionQueries(pool, new PostgresEventStore(pool)).state('coalition-042', new Date('2014-10-01'), new Date('2016-01-01'));
    return (plans.find((p) => p.includes('membership')) ?? '').replace(/^duration: [^\n]*\n/, '').replace(/^Query Text:[\s\S]*?\n(?=\S)/m, '');
  } finally {
    await pool.end();
  }
}
