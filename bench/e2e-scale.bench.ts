import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { consumerLag, createTopicsWithLeaders } from '@annals/kafka';
import { PostgresEventStore } from '@annals/event-store';
import { ProjectionVersionEntity, ProjectionVersions } from '@annals/projections';
import { AppProcess } from '../tools/runtime/app-process';
import type { BenchContext } from './lib/bench-context';
import { storeReports } from './lib/dataset';
import { PIPELINE_TABLES } from './lib/pipeline-tables';
import { dropRetiredVersions, rebuildReadModel } from './lib/rebuild';
import { interleaved, type Summary } from './lib/stats';
import { treeSeconds } from './lib/cpu';
import { resetStatements, topStatements, type StatementCost } from './lib/pg-stats';
import { publish, readModelCaughtUp, ROOT, until } from './e2e.bench';

/**
 * End to end as the log grows: the same messages taken in by Annals (ingestor and projector,
 * until both lags are zero) and by the raw pipeline, into a database that already holds
 * `stored` events: Annals' log with its read model caught up, the raw pipeline's table with as
 * many rows. Each trial runs on a fresh copy of its size's database; all sizes interleaved.
 */
export interface E2eScaleResult {
  stored: number;
  messages: number;
  eventsPerSecond: Record<string, Summary>;
}

/** One app alone on the largest log: from its start until its lag is zero. */
export interface AppAlone {
  seconds: number;
  /** CPU seconds by process over the same time. */
  cpu: Record<string, number>;
  statements: StatementCost[];
}

/**
 * Where the time goes on the largest log: the same messages, on a fresh copy of its database,
 * taken in by the ingestor alone (until the consumer group's lag is zero), then applied by the
 * projector alone (until the read model has caught up).
 */
export interface E2eScaleApart {
  stored: number;
  messages: number;
  ingestor: AppAlone;
  projector: AppAlone;
}

const templateOf = (stored: number) => `bench_e2e_at_${stored}`;

export async function e2eScaleBenchmark(ctx: BenchContext, options: { sizes: number[]; messages: number; trials: number }): Promise<{ results: E2eScaleResult[]; apart: E2eScaleApart }> {
  for (const stored of options.sizes) await prepare(ctx, stored);
  const kafka = new Kafka({ brokers: ctx.settings.kafkaBrokers.split(','), clientId: 'bench', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-e2e-scale-${Date.now()}`;
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: 6, configEntries: [{ name: 'max.message.bytes', value: String(2 * 1024 * 1024) }] }]);
  // report ids of their own: none of them is among the stored ones
  await publish(kafka, topic, options.messages, 91, 'e2e-scale');
  const ends = await admin.fetchTopicOffsets(topic);
  let trial = 0;

  /** A fresh copy of the size's database, the stored rows' last position, and its drop. */
  const copyOf = async (stored: number, table: 'event_store.events' | 'raw_events') => {
    const name = `bench_e2e_trial_${trial++}`;
    const db = await ctx.cloneDatabase(templateOf(stored), name);
    const owner = new Pool({ connectionString: db.ownerUrl, max: 2 });
    const base = (await owner.query<{ p: string }>(`SELECT coalesce(max(position), 0)::text AS p FROM ${table}`)).rows[0]!.p;
    /** Seconds from the first row stored in the trial until now (as the e2e section times, from the first stored event). */
    const seconds = async () =>
      (await owner.query<{ s: number }>(`SELECT extract(epoch FROM clock_timestamp() - min(recorded_at))::float8 AS s FROM ${table} WHERE position > $1`, [base])).rows[0]!.s;
    const started = async () => (await owner.query(`SELECT 1 FROM ${table} WHERE position > $1 LIMIT 1`, [base])).rowCount! > 0;
    return {
      db,
      owner,
      seconds,
      started,
      async drop() {
        await owner.end();
        await ctx.dropDatabase(name);
      },
    };
  };

  /** Annals' two apps on a copy, consuming as a consumer group of their own. */
  const appsOn = (appUrl: string, group: string) => ({
    env: { KAFKA_BROKERS: ctx.settings.kafkaBrokers, DATABASE_URL: appUrl, KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: group, LOG_LEVEL: 'warn' },
    ingestor: new AppProcess('ingestor', join(ROOT, '.annals/logs/bench-ingestor.log')),
    projector: new AppProcess('projector', join(ROOT, '.annals/logs/bench-projector.log')),
  });

  const annals = (stored: number) => async () => {
    const copy = await copyOf(stored, 'event_store.events');
    const group = `annals-scale-${trial}`;
    const { env, ingestor, projector } = appsOn(copy.db.appUrl, group);
    try {
      ingestor.start(env);
      projector.start(env);
      await until(copy.started, 600_000, 20);
      await until(async () => (await consumerLag(admin, group, topic, ends)) === 0 && (await readModelCaughtUp(copy.owner)));
      return options.messages / (await copy.seconds());
    } finally {
      await ingestor.stop();
      await projector.stop();
      await copy.drop();
    }
  };

  const raw = (stored: number) => async () => {
    const copy = await copyOf(stored, 'raw_events');
    try {
      const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'lib/raw-pipeline.ts'), 'raw', ctx.settings.kafkaBrokers, topic, `raw-scale-${trial}`, copy.db.ownerUrl, String(options.messages)], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`raw pipeline exited ${code}`)))));
      return options.messages / (await copy.seconds());
    } finally {
      await copy.drop();
    }
  };

  const contenders: Record<string, () => Promise<number>> = {};
  for (const stored of options.sizes) {
    contenders[`Annals@${stored}`] = annals(stored);
    contenders[`raw pipeline@${stored}`] = raw(stored);
  }
  const measured = await interleaved(contenders, options.trials);

  const largest = Math.max(...options.sizes);
  const copy = await copyOf(largest, 'event_store.events');
  const group = `annals-scale-apart-${trial}`;
  const { env, ingestor, projector } = appsOn(copy.db.appUrl, group);
  const alone = async (app: AppProcess, name: string, done: () => Promise<boolean>): Promise<AppAlone> => {
    await resetStatements(copy.db.adminUrl);
    const postgres = treeSeconds(ctx.postgresPid!);
    const started = Date.now();
    app.start(env);
    await until(done);
    const seconds = (Date.now() - started) / 1000;
    const cpu = { [name]: treeSeconds(app.pid!), postgres: treeSeconds(ctx.postgresPid!) - postgres };
    return { seconds, cpu, statements: await topStatements(copy.db.adminUrl, 6) };
  };
  let apart: E2eScaleApart;
  try {
    const ingested = await alone(ingestor, 'ingestor', async () => (await consumerLag(admin, group, topic, ends)) === 0);
    const projected = await alone(projector, 'projector', () => readModelCaughtUp(copy.owner));
    apart = { stored: largest, messages: options.messages, ingestor: ingested, projector: projected };
    console.log(`  e2e at ${largest} stored events, apart: ingestor alone ${ingested.seconds.toFixed(1)} s, projector alone ${projected.seconds.toFixed(1)} s`);
  } finally {
    await ingestor.stop();
    await projector.stop();
    await copy.drop();
  }
  await admin.disconnect();
  await ctx.deleteTopics([topic]);
  const results = options.sizes.map((stored) => ({
    stored,
    messages: options.messages,
    eventsPerSecond: { Annals: measured[`Annals@${stored}`]!, 'raw pipeline': measured[`raw pipeline@${stored}`]! },
  }));
  for (const r of results) console.log(`  e2e at ${r.stored} stored events: Annals ${Math.round(r.eventsPerSecond.Annals.median)}/s, raw pipeline ${Math.round(r.eventsPerSecond['raw pipeline'].median)}/s`);
  for (const stored of options.sizes) await ctx.dropDatabase(templateOf(stored));
  return { results, apart };
}

/**
 * The size's database, made once: `stored` reports in Annals' log, its read model rebuilt and
 * active (what a running deployment has), the raw pipeline's table with a row per stored event,
 * vacuumed; then closed to connections, so that it can be copied (autovacuum included).
 */
async function prepare(ctx: BenchContext, stored: number): Promise<void> {
  const started = Date.now();
  const name = templateOf(stored);
  const db = await ctx.database(name);
  const pool = ctx.pool(db.appUrl, 8);
  const store = new PostgresEventStore(pool);
  await storeReports(store, stored, stored + 1, `stored${stored}`);
  const source = new DataSource({ type: 'postgres', url: db.appUrl, entities: [ProjectionVersionEntity], extra: { max: 2 } });
  await source.initialize();
  const versions = new ProjectionVersions(pool, source.getRepository(ProjectionVersionEntity));
  await rebuildReadModel(pool, store, versions);
  await dropRetiredVersions(versions);
  await source.destroy();
  await pool.end();
  const owner = new Client({ connectionString: db.ownerUrl });
  await owner.connect();
  for (const ddl of PIPELINE_TABLES.raw) await owner.query(ddl);
  // stream ids of their own: the pipeline's rows never collide with them
  await owner.query(`INSERT INTO raw_events (stream_id, stream_version, event_type, payload, metadata)
                     SELECT 'stored-' || stream_id, stream_version, event_type, payload, metadata FROM event_store.events ORDER BY position`);
  await owner.end();
  const admin = new Client({ connectionString: db.adminUrl });
  await admin.connect();
  await admin.query('VACUUM (ANALYZE)');
  await admin.end();
  const server = new Client({ connectionString: ctx.settings.adminDatabaseUrl });
  await server.connect();
  await server.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await server.end();
  console.log(`  e2e at ${stored} stored events: database prepared in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
