/**
 * The pipelines Annals is measured against, each in a process of its own: a kafkajs eachBatch
 * consumer, 1,000 messages per write, committing the offset after each.
 *  - raw: parses each message and inserts the same rows with a multi-row INSERT. No validation,
 *    no domain, no hash chain, no read model: the limit of Kafka to PostgreSQL on this machine.
 *  - floor: the least any pipeline must do to keep what Annals keeps, written as plainly as
 *    possible: the contract's validation, a log row per report with Annals' constraints and
 *    indexes (idempotency key, stream version, global order) and a hash chain (over the rows as it
 *    printed them, in Node: the work of a chain, not one PostgreSQL could check), a read-model
 *    fact row with the facts partition's indexes, and the bitemporal membership rows the
 *    point-in-time question reads (the query floor, query-floor-server.ts, reads them too), with
 *    the membership partition's indexes, in one transaction per chunk. It computes a pair's rows
 *    in memory from facts it keeps in memory (never reading them back), and leaves out what
 *    Annals adds on top (the domain's decisions, retractions, optimistic concurrency between
 *    instances, dead letters, a projector apart from the writer), so it bounds from above what
 *    Annals could reach.
 *   node -r @swc-node/register bench/lib/raw-pipeline.ts <raw|floor> <brokers> <topic> <group> <databaseUrl> <expected>
 */
import { createHash } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { Pool, type PoolClient } from 'pg';
import { parseNewsEvent, type MembershipType, type NewsEvent } from '@annals/contracts';
import { membershipHistory, streamIdFor, type MembershipFact } from '@annals/domain';
import { arrayLiteral } from '@annals/database';
import { diffMembershipRows, MEMBERSHIP_TYPE_SET, rolesStated, type StoredMembershipRow } from '@annals/projections';
import { epochMs, fromEpochMs } from '@annals/projections/coalition-membership/epoch-ms';

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

/**
 * Each membership pair's facts and its stored rows (with their row ids), kept in memory: the floor
 * is the only writer, and a pair's reports all come in one partition (keyed by coalition id),
 * whose chunks are stored one after another, so it never reads them back. (The benchmark's
 * reports retract nothing, so the floor leaves retractions out.)
 */
const pairs = new Map<string, { coalitionId: string; country: string; facts: MembershipFact[]; rows: StoredMembershipRow[] }>();

/** The roles a report states, as Annals' projection reads them. */
const rolesOf = (report: NewsEvent) => rolesStated(report.type, report.data as Record<string, unknown>);

const floorStore: Store = async (pool, chunk, partition) => {
  const reports: NewsEvent[] = [];
  for (const m of chunk) {
    const parsed = parseNewsEvent(m.value);
    if (!parsed.ok) throw new Error(`floor pipeline: invalid report at offset ${m.offset}: ${parsed.rejection.detail}`);
    reports.push(parsed.event);
  }
  const recordedAt = new Date().toISOString();
  const knownAt = (r: NewsEvent) => r.source.publishedAt ?? recordedAt;
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
    // Written the way Annals writes (arrayLiteral, JSON columns as one JSON document), so that the
    // floor spends no CPU Annals does not: pg's own printing of arrays escapes every element in
    // Node, and PostgreSQL unescapes a json[] before it checks each document.
    const { rows: stored } = await client.query<{ position: string }>(
      `INSERT INTO floor_events (stream_id, stream_version, event_type, payload, metadata, occurred_at, idempotency_key, hash)
       SELECT e.stream_id, e.version, e.type, e.json -> 0, e.json -> 1, e.occurred_at, e.key, decode(e.hash, 'hex')
         FROM ROWS FROM (unnest($1::text[]), unnest($2::bigint[]), unnest($3::text[]), unnest($4::timestamptz[]), unnest($5::text[]), unnest($6::text[]),
                         json_array_elements($7::json)) AS e(stream_id, version, type, occurred_at, key, hash, json)
       RETURNING position`,
      [arrayLiteral(rows.map((r) => r.streamId)), arrayLiteral(rows.map((r) => r.version)), arrayLiteral(reports.map((r) => r.type)),
       arrayLiteral(reports.map((r) => r.occurredAt)), arrayLiteral(reports.map((r) => r.id)), arrayLiteral(rows.map((r) => r.hash.toString('hex'))),
       `[${rows.map((r) => `[${r.payload},${r.metadata}]`).join(',')}]`],
    );
    const field = (r: NewsEvent, name: string) => ((r.data as Record<string, unknown>)[name] as string | undefined) ?? null;
    await client.query(
      `INSERT INTO floor_facts (report_id, position, type, coalition_id, country, roles, retracts, occurred_at, known_at, source, data)
       SELECT f.report_id, f.position, f.type, f.coalition_id, f.country, f.json -> 0, f.retracts, f.occurred_at, f.known_at, f.json -> 1, f.json -> 2
         FROM ROWS FROM (unnest($1::text[]), unnest($2::bigint[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), unnest($6::text[]),
                         unnest($7::timestamptz[]), unnest($8::timestamptz[]), jsonb_array_elements($9::jsonb))
              AS f(report_id, position, type, coalition_id, country, retracts, occurred_at, known_at, json)`,
      [arrayLiteral(reports.map((r) => r.id)), arrayLiteral(stored.map((s) => s.position)), arrayLiteral(reports.map((r) => r.type)),
       arrayLiteral(reports.map((r) => field(r, 'coalitionId'))), arrayLiteral(reports.map((r) => field(r, 'country'))),
       arrayLiteral(reports.map((r) => (r.type === 'report.retracted' ? field(r, 'reportId') : null))),
       arrayLiteral(reports.map((r) => r.occurredAt)), arrayLiteral(reports.map(knownAt)), JSON.stringify(reports.map((r) => [rolesOf(r), r.source, r.data]))],
    );
    await storeMembership(client, reports, stored.map((s) => Number(s.position)), knownAt);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

/**
 * The membership rows of the pairs a chunk's reports touch: each pair's rows computed from all
 * its facts (membershipHistory, Annals' domain), and only the rows that differ from the stored
 * ones deleted and inserted (diffMembershipRows), as Annals' projector does.
 */
async function storeMembership(client: PoolClient, reports: NewsEvent[], positions: number[], knownAt: (r: NewsEvent) => string): Promise<void> {
  const touched = new Set<string>();
  reports.forEach((report, i) => {
    if (!MEMBERSHIP_TYPE_SET.has(report.type)) return;
    const { coalitionId, country } = report.data as { coalitionId: string; country: string };
    const key = `${coalitionId}\u0000${country}`;
    let pair = pairs.get(key);
    if (!pair) pairs.set(key, (pair = { coalitionId, country, facts: [], rows: [] }));
    pair.facts.push({
      reportId: report.id,
      type: report.type as MembershipType,
      occurredAt: Date.parse(report.occurredAt),
      knownAt: Date.parse(knownAt(report)),
      position: positions[i]!,
      roles: rolesOf(report),
      retractedAt: null,
    });
    touched.add(key);
  });
  const remove: string[] = [];
  const added: Array<{ key: string; pair: { coalitionId: string; country: string }; row: StoredMembershipRow }> = [];
  for (const key of touched) {
    const pair = pairs.get(key)!;
    const diff = diffMembershipRows(pair.rows, membershipHistory(pair.facts));
    const removed = new Set(diff.remove);
    remove.push(...diff.remove);
    pair.rows = pair.rows.filter((r) => !removed.has(r.ctid));
    for (const row of diff.add) {
      const storedRow = { ctid: '', row };
      pair.rows.push(storedRow);
      added.push({ key, pair, row: storedRow });
    }
  }
  if (remove.length > 0) await client.query('DELETE FROM floor_membership WHERE ctid = ANY($1::tid[])', [arrayLiteral(remove)]);
  if (added.length === 0) return;
  const { rows: inserted } = await client.query<{ coalition_id: string; country: string; valid_from: number; known_from: number; ctid: string }>(
    `INSERT INTO floor_membership (coalition_id, country, valid, known, since, roles)
     SELECT r.coalition_id, r.country, tstzrange(${fromEpochMs('r.valid_from')}, ${fromEpochMs('r.valid_to')}),
            tstzrange(${fromEpochMs('r.known_from')}, ${fromEpochMs('r.known_to')}), ${fromEpochMs('r.since')}, r.roles
       FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::bigint[]), unnest($4::bigint[]), unnest($5::bigint[]), unnest($6::bigint[]),
                       unnest($7::bigint[]), jsonb_array_elements($8::jsonb))
         AS r(coalition_id, country, valid_from, valid_to, known_from, known_to, since, roles)
     RETURNING ctid, coalition_id, country, ${epochMs('lower(valid)')} AS valid_from, ${epochMs('lower(known)')} AS known_from`,
    [
      arrayLiteral(added.map((a) => a.pair.coalitionId)), arrayLiteral(added.map((a) => a.pair.country)),
      ...(['validFrom', 'validTo', 'knownFrom', 'knownTo'] as const).map((bound) => arrayLiteral(added.map((a) => a.row.row[bound]))),
      arrayLiteral(added.map((a) => a.row.row.state.since)), JSON.stringify(added.map((a) => a.row.row.state.roles)),
    ],
  );
  // A pair's rows cover disjoint rectangles of valid and knowledge time: their lower corners tell them apart.
  const byCorner = new Map(added.map((a) => [`${a.key}\u0000${a.row.row.validFrom}\u0000${a.row.row.knownFrom}`, a.row]));
  for (const r of inserted) byCorner.get(`${r.coalition_id}\u0000${r.country}\u0000${r.valid_from}\u0000${r.known_from}`)!.ctid = r.ctid;
}

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
