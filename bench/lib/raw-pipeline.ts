/**
 * The pipelines Annals is measured against, each in a process of its own: a kafkajs eachBatch
 * consumer, 1,000 messages per write, committing the offset after each.
 *  - raw: parses each message and inserts the same rows with a multi-row INSERT. No validation,
 *    no domain, no hash chain, no read model: the limit of Kafka to PostgreSQL on this machine.
 *  - floor: the least any pipeline must do to keep what Annals keeps, written as plainly as
 *    possible: the contract's validation, a log row per report with Annals' constraints and
 *    indexes (idempotency key, stream version, global order) and its hash chain, and a
 *    read-model fact row with the facts partition's indexes, in one transaction per chunk. It
 *    leaves out what Annals adds on top (the bitemporal membership intervals, the domain's
 *    decisions, optimistic concurrency between instances, dead letters), so it bounds from
 *    above what Annals could reach.
 *   node -r @swc-node/register bench/lib/raw-pipeline.ts <raw|floor> <brokers> <topic> <group> <databaseUrl> <expected>
 */
import { createHash } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { Pool } from 'pg';
import { parseNewsEvent, type NewsEvent } from '@annals/contracts';
import { streamIdFor } from '@annals/domain';

const [mode, brokers, topic, group, databaseUrl, expectedText] = process.argv.slice(2);
const expected = Number(expectedText);

type Store = (pool: Pool, chunk: KafkaMessage[], partition: number) => Promise<void>;

const rawStore: Store = async (pool, chunk, partition) => {
  const values: string[] = [];
  const params: unknown[] = [];
  for (const m of chunk) {
    const report = JSON.parse(m.value!.toString('utf8')) as { id: string; type: string; data: { coalitionId?: string } };
    const n = params.length;
    values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5})`);
    params.push(report.data.coalitionId ?? 'none', Number(m.offset) + 1 + partition * 1e9, report.type, JSON.stringify(report), JSON.stringify({ offset: m.offset }));
  }
  await pool.query(`INSERT INTO raw_events (stream_id, stream_version, event_type, payload, metadata) VALUES ${values.join(', ')}`, params);
};

/** Stream heads of the floor pipeline: it is the only writer, so they are kept in memory. */
const heads = new Map<string, { version: number; hash: Buffer }>();

const floorStore: Store = async (pool, chunk, partition) => {
  const reports: NewsEvent[] = [];
  for (const m of chunk) {
    const parsed = parseNewsEvent(m.value);
    if (!parsed.ok) throw new Error(`floor pipeline: invalid report at offset ${m.offset}: ${parsed.rejection.detail}`);
    reports.push(parsed.event);
  }
  const rows = reports.map((report, i) => {
    const streamId = streamIdFor(report);
    const head = heads.get(streamId) ?? { version: 0, hash: Buffer.alloc(0) };
    const payload = JSON.stringify(report);
    const metadata = JSON.stringify({ source: { topic, partition, offset: chunk[i]!.offset } });
    const hash = createHash('sha256').update(head.hash).update(JSON.stringify([streamId, head.version + 1, report.type, payload, metadata])).digest();
    heads.set(streamId, { version: head.version + 1, hash });
    return { streamId, version: head.version + 1, payload, metadata, hash };
  });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows: stored } = await client.query<{ position: string }>(
      `INSERT INTO floor_events (stream_id, stream_version, event_type, payload, metadata, occurred_at, idempotency_key, hash)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[], $5::jsonb[], $6::timestamptz[], $7::text[], $8::bytea[]) RETURNING position`,
      [rows.map((r) => r.streamId), rows.map((r) => r.version), reports.map((r) => r.type), rows.map((r) => r.payload), rows.map((r) => r.metadata),
       reports.map((r) => r.occurredAt), reports.map((r) => r.id), rows.map((r) => r.hash)],
    );
    const field = (r: NewsEvent, name: string) => ((r.data as Record<string, unknown>)[name] as string | undefined) ?? null;
    await client.query(
      `INSERT INTO floor_facts (report_id, position, type, coalition_id, country, roles, retracts, occurred_at, known_at, source, data)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[], $11::jsonb[])`,
      [reports.map((r) => r.id), stored.map((s) => s.position), reports.map((r) => r.type), reports.map((r) => field(r, 'coalitionId')), reports.map((r) => field(r, 'country')),
       reports.map((r) => JSON.stringify((r.data as { roles?: unknown }).roles ?? [])), reports.map((r) => (r.type === 'report.retracted' ? field(r, 'reportId') : null)),
       reports.map((r) => r.occurredAt), reports.map((r) => r.source.publishedAt ?? r.occurredAt), reports.map((r) => JSON.stringify(r.source)), reports.map((r) => JSON.stringify(r.data))],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

async function main(): Promise<void> {
  if (mode !== 'raw' && mode !== 'floor') throw new Error(`mode must be raw or floor, not ${mode}`);
  const store = mode === 'raw' ? rawStore : floorStore;
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  const kafka = new Kafka({ brokers: brokers!.split(','), clientId: `${mode}-pipeline`, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group!, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic!], fromBeginning: true });
  let inserted = 0;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        for (let i = 0; i < batch.messages.length; i += 1000) {
          const chunk = batch.messages.slice(i, i + 1000);
          await store(pool, chunk, batch.partition);
          const last = chunk[chunk.length - 1]!.offset;
          resolveOffset(last);
          await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
          inserted += chunk.length;
        }
        if (inserted >= expected) resolve();
      },
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await consumer.disconnect();
  await pool.end();
  console.log(JSON.stringify({ mode, inserted, seconds }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
