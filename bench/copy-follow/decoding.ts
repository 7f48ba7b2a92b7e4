/**
 * What it would cost the api to keep its copy of the read model current under ingest by
 * following the projector's writes through PostgreSQL's logical decoding (decision 0006,
 * "Measured, not built: a copy that follows the log"). Not part of `npm run bench`.
 *
 *   node -r @swc-node/register bench/copy-follow/decoding.ts [rounds] [reports]
 *
 * On the data set `bench/state-copy-memory.ts` leaves (bench_1000000 in the bench stack; it grows
 * by 100,000 reports a trial). The server must run with wal_level = logical: as the bench stack's
 * superuser `ALTER SYSTEM SET wal_level = 'logical'`, then the stack down and up (and `ALTER
 * SYSTEM RESET wal_level` and again after). The script publishes the read model's membership and
 * facts (as their partitions' roots, with REPLICA IDENTITY FULL: the tables have no key, and a
 * follower must know which row a delete removes) and the checkpoints.
 *
 * Each trial publishes a backlog of `reports` bench reports (100,000 unless given; keyed as the
 * publisher keys them, as the end-to-end section publishes them) to a topic of its own, then runs the
 * ingestor and the projector on it until the read model has applied the last one. In "follow"
 * trials a logical slot is drained meanwhile (pgoutput, every 20 ms while it is empty) and each
 * inserted, deleted or updated row decoded to strings, as a follower would before applying it;
 * "none" trials run without a slot. Trials take turns (F N N F ...). Printed per trial, one JSON
 * line: events/s, CPU seconds (PostgreSQL's, the apps', the follower's), the changes decoded and
 * how long after its commit each transaction reached the follower.
 */
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client, Pool } from 'pg';
import { createTopicsWithLeaders } from '@annals/kafka';
import { activeVersionBehind } from '@annals/queries/state-copy/read-model-mark';
import { AppProcess } from '../../tools/runtime/app-process';
import { publish, ROOT } from '../e2e.bench';
import { BenchContext } from '../lib/bench-context';
import { treeSeconds } from '../lib/cpu';
import { percentile } from '../lib/stats';

const SLOT = 'annals_copy_follow';
const PUBLICATION = 'annals_copy_follow';
/** pgoutput's commit timestamp counts microseconds from 2000-01-01. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 2);
  const backlog = Number(process.argv[3] ?? 100_000);
  const ctx = new BenchContext();
  await ctx.up();
  const inDataset = (url: string) => url.replace(/\/[^/]+$/, '/bench_1000000');
  const appUrl = inDataset(ctx.settings.databaseUrl);
  const su = new Client({ connectionString: inDataset(ctx.settings.adminDatabaseUrl) });
  await su.connect();
  const walLevel = (await su.query<{ wal_level: string }>('SHOW wal_level')).rows[0]!.wal_level;
  if (walLevel !== 'logical') throw new Error(`wal_level is ${walLevel}: this measurement needs logical (see the comment at the top of this file)`);
  const { rows: versions } = await su.query<{ version: number }>(`SELECT version FROM read_model.versions WHERE state = 'active'`);
  if (!versions[0]) throw new Error('bench_1000000 has no active read model: run bench/state-copy-memory.ts first');
  const v = versions[0].version;
  await su.query(`ALTER TABLE read_model.membership_v${v} REPLICA IDENTITY FULL`);
  await su.query(`ALTER TABLE read_model.facts_v${v} REPLICA IDENTITY FULL`);
  await su.query(`DROP PUBLICATION IF EXISTS ${PUBLICATION}`);
  await su.query(`CREATE PUBLICATION ${PUBLICATION} FOR TABLE read_model.membership, read_model.facts, event_store.checkpoints WITH (publish_via_partition_root = true)`);

  const kafka = new Kafka({ brokers: ctx.settings.kafkaBrokers.split(','), clientId: 'copy-follow', logLevel: logLevel.NOTHING });
  for (let t = 0; t < 2 * rounds; t++) {
    const follow = t % 4 === 0 || t % 4 === 3;
    console.log(JSON.stringify(await trial(ctx, kafka, su, appUrl, follow, t, backlog)));
  }
  await su.query(`DROP PUBLICATION ${PUBLICATION}`);
  await su.end();
}

/** One trial; `su` (the superuser, in the data set) makes and drops the slot and, while following, drains it. */
async function trial(ctx: BenchContext, kafka: Kafka, su: Client, appUrl: string, follow: boolean, t: number, backlog: number) {
  const topic = `copy-follow-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: 6 }]);
  await admin.disconnect();
  const pool = new Pool({ connectionString: appUrl, max: 2 });
  const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
  const before = await stored();
  // seeded by the log's size: reports that repeat an earlier trial's would only corroborate
  // (a source more, no membership row changed), and cost the read model far less
  await publish(kafka, topic, backlog, before, topic);

  if (follow) await su.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [SLOT]);
  const env = { KAFKA_BROKERS: ctx.settings.kafkaBrokers, DATABASE_URL: appUrl, LOG_LEVEL: 'warn', KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: `${topic}.dlq`, KAFKA_GROUP_ID: topic };
  const ingestor = new AppProcess('ingestor', join(ROOT, '.annals/logs/copy-follow-ingestor.log'));
  const projector = new AppProcess('projector', join(ROOT, '.annals/logs/copy-follow-projector.log'));
  const postgres0 = treeSeconds(ctx.postgresPid!);
  const own0 = process.cpuUsage();
  const started = Date.now();
  ingestor.start(env);
  projector.start(env);

  const follower = { running: follow, changes: { insert: 0, delete: 0, update: 0 }, commits: 0, bytes: 0, lagsMs: [] as number[] };
  const following = follow ? drain(su, follower) : Promise.resolve();
  while ((await stored()) < before + backlog || (await activeVersionBehind(pool))) await new Promise((resolve) => setTimeout(resolve, 250));
  const seconds = (Date.now() - started) / 1000;
  follower.running = false;
  await following;
  const own = process.cpuUsage(own0);
  const cpu = { postgres: treeSeconds(ctx.postgresPid!) - postgres0, ingestor: treeSeconds(ingestor.pid!), projector: treeSeconds(projector.pid!), follower: (own.user + own.system) / 1e6 };
  await ingestor.stop();
  await projector.stop();
  if (follow) await su.query('SELECT pg_drop_replication_slot($1)', [SLOT]);
  await pool.end();
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    trial: t,
    follow,
    storedBefore: before,
    seconds: round(seconds),
    eventsPerSecond: Math.round(backlog / seconds),
    cpuSeconds: Object.fromEntries(Object.entries(cpu).map(([k, x]) => [k, round(x)])),
    changes: { ...follower.changes, commits: follower.commits, MiB: round(follower.bytes / 2 ** 20) },
    commitToFollowerMs: follow ? { p50: Math.round(percentile(follower.lagsMs, 50)), p99: Math.round(percentile(follower.lagsMs, 99)), max: Math.round(Math.max(...follower.lagsMs)) } : null,
  };
}

/**
 * Drains the slot while `follower.running`, decoding each row change's tuple(s) to strings
 * (pgoutput v1: a tag, the relation's oid, then per tuple a tag, its column count and each
 * column as 'n' null, 'u' unchanged or 't' with a length and its text).
 */
async function drain(reader: Client, follower: { running: boolean; changes: Record<'insert' | 'delete' | 'update', number>; commits: number; bytes: number; lagsMs: number[] }) {
  const text = new TextDecoder();
  const kinds: Record<string, 'insert' | 'delete' | 'update'> = { I: 'insert', D: 'delete', U: 'update' };
  while (follower.running) {
    const { rows } = await reader.query<{ data: Buffer }>(
      `SELECT data FROM pg_logical_slot_get_binary_changes('${SLOT}', NULL, 20000, 'proto_version', '1', 'publication_names', '${PUBLICATION}')`,
    );
    const now = Date.now();
    for (const { data } of rows) {
      follower.bytes += data.length;
      const tag = String.fromCharCode(data[0]!);
      if (tag === 'C') {
        follower.commits++;
        follower.lagsMs.push(now - (PG_EPOCH_MS + Number(data.readBigInt64BE(18)) / 1000));
        continue;
      }
      const kind = kinds[tag];
      if (!kind) continue;
      follower.changes[kind]++;
      const values: Array<string | null> = [];
      for (let o = 5; o < data.length; ) {
        const columns = data.readInt16BE(o + 1);
        o += 3;
        for (let c = 0; c < columns; c++) {
          if (data[o++] !== 0x74) {
            values.push(null);
            continue;
          }
          const length = data.readInt32BE(o);
          values.push(text.decode(data.subarray(o + 4, o + 4 + length)));
          o += 4 + length;
        }
      }
    }
    if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
