import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { AppProcess } from '../tools/runtime/app-process';
import type { BenchContext } from './lib/bench-context';
import { benchReport, rng } from './lib/dataset';
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

export interface QueryResult {
  events: number;
  idle: Latency;
  underIngest: Latency;
  ingestedDuringLoad: number;
  plan: string;
}

const ROOT = join(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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

export async function queryBenchmark(ctx: BenchContext, data: Dataset, options: { seconds: number; rate: number; backlog: number }): Promise<QueryResult> {
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
  await load(baseUrl, 3, options.rate, 99); // warm-up: plans cached, pages in memory
  const idle = await load(baseUrl, options.seconds, options.rate, 1);

  // a backlog for the ingestor to take in at full speed while the same load runs
  const kafka = new Kafka({ brokers: ctx.settings.kafkaBrokers.split(','), clientId: 'bench', logLevel: logLevel.NOTHING });
  const topic = `bench-backlog-${data.events}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
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
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: data.appUrl, max: 1 });
  const count = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
  ingestor.start(appsEnv);
  projector.start(appsEnv);
  // wait until ingestion is under way, so that the load meets it at full speed
  const before = await count();
  while ((await count()) < before + 2000) await new Promise((resolve) => setTimeout(resolve, 100));
  const atStart = await count();
  const underIngest = await load(baseUrl, options.seconds, options.rate, 2);
  const ingestedDuringLoad = (await count()) - atStart;
  await ingestor.stop();
  await projector.stop();

  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
     SELECT m.country, m.since, m.roles FROM read_model.membership m
      WHERE m.version = (SELECT version FROM read_model.versions WHERE state = 'active')
        AND m.coalition_id = 'coalition-042' AND m.valid @> '2014-10-01'::timestamptz AND m.known @> '2016-01-01'::timestamptz`,
  );
  await pool.end();
  await api.stop();
  console.log(`  queries at ${data.events}: idle p50 ${idle.p50.toFixed(2)} p99 ${idle.p99.toFixed(2)} ms; under ingest p99 ${underIngest.p99.toFixed(2)} ms (${ingestedDuringLoad} events ingested meanwhile)`);
  return { events: data.events, idle, underIngest, ingestedDuringLoad, plan: rows.map((r) => r['QUERY PLAN']).join('\n') };
}
