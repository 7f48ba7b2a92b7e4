import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { EventPayloadStatistics1764300017000 } from '@annals/event-store/schema/1764300017000-event-payload-statistics';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * An ANALYZE of the log (autovacuum's, each time the log grows by a tenth, on the cores ingestion
 * is using) samples the columns that reads find rows by, and skips the events' JSON, which reads
 * only return: sampling it was most of what an ANALYZE of the log cost (migration 1764300017000).
 */
describe('event store: statistics on what reads use, none on the events\' JSON', () => {
  let db: TestDatabase;
  let owner: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    // 300 events in 30 streams, through append as any writer sends them
    for (let s = 0; s < 30; s++) {
      await db.appPool().query(
        `SELECT * FROM event_store.append($1, 'stats', 0, array_fill('reported'::text, ARRAY[10]), array_fill(1, ARRAY[10]),
                ARRAY(SELECT json_build_object('n', i, 'note', repeat('x', 200)) FROM generate_series(1, 10) i),
                ARRAY(SELECT json_build_object('correlationId', 'c-' || i) FROM generate_series(1, 10) i),
                array_fill(now(), ARRAY[10]), ARRAY(SELECT $1 || '-' || i FROM generate_series(1, 10) i))`,
        [`stats-${s}`],
      );
    }
  });
  afterAll(async () => {
    await owner?.end();
    await db.drop();
  });

  const analyzedColumns = async () => {
    await owner.query('ANALYZE event_store.events');
    const { rows } = await owner.query<{ attname: string }>(`SELECT attname FROM pg_stats WHERE schemaname = 'event_store' AND tablename = 'events' ORDER BY attname`);
    return rows.map((r) => r.attname);
  };

  it('samples the columns reads find events by, and not payload or metadata', async () => {
    const columns = await analyzedColumns();
    expect(columns).toEqual(expect.arrayContaining(['position', 'transaction_id', 'stream_id', 'stream_version', 'idempotency_key', 'recorded_at', 'event_type']));
    expect(columns).not.toContain('payload');
    expect(columns).not.toContain('metadata');
  });

  // (after the test above: ANALYZE keeps what it learnt of a column it no longer samples)
  it('the migration goes down to sampling them again, and up again', async () => {
    const migration = new EventPayloadStatistics1764300017000();
    const runner = { query: (sql: string) => owner.query(sql) } as unknown as QueryRunner;
    await migration.down(runner);
    const down = await analyzedColumns();
    expect(down).toEqual(expect.arrayContaining(['payload', 'metadata']));
    await migration.up(runner);
  });
});
