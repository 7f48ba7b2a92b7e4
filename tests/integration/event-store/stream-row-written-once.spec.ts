import type { Pool, PoolClient } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * A new stream's row is written once, with its head, whichever function creates it (migration
 * 1764300025000): inserted at version 0 and then updated, it left a dead row version per stream
 * for autovacuum, on every stream created. A stream that exists has its head
 * moved in place. Counted with PostgreSQL's own per-transaction statistics, in a transaction of
 * the test's that makes the function's calls straight in SQL, as the store sends them.
 */
describe('event store: a new stream\'s row written once, with its head', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  /**
   * The stream rows `call` inserted and updated, in a transaction of its own (committed): the
   * counters before and after it, in the same transaction (the backend's counts not yet reported
   * hold its earlier transactions' too).
   */
  async function streamRowWrites(call: (client: PoolClient) => Promise<unknown>): Promise<{ inserted: number; updated: number }> {
    const counts = async (client: PoolClient) =>
      (
        await client.query<{ inserted: string; updated: string }>(
          `SELECT pg_stat_get_xact_tuples_inserted('event_store.streams'::regclass) AS inserted,
                  pg_stat_get_xact_tuples_updated('event_store.streams'::regclass) AS updated`,
        )
      ).rows[0]!;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const before = await counts(client);
      await call(client);
      const after = await counts(client);
      await client.query('COMMIT');
      return { inserted: Number(after.inserted) - Number(before.inserted), updated: Number(after.updated) - Number(before.updated) };
    } finally {
      client.release();
    }
  }

  const one = (client: PoolClient, stream: string, expected: number, key: string) =>
    client.query(`SELECT * FROM event_store.append_one($1, 'test', $2, 'reported', 1, '{"n": 1}', '{}', now(), $3)`, [stream, expected, key]);
  const several = (client: PoolClient, stream: string, expected: number, keys: string[]) =>
    client.query(
      `SELECT * FROM event_store.append($1, 'test', $2, array_fill('reported'::text, ARRAY[$4::int]), array_fill(1, ARRAY[$4::int]),
              array_fill('{"n": 1}'::json, ARRAY[$4::int]), array_fill('{}'::json, ARRAY[$4::int]), array_fill(now(), ARRAY[$4::int]), $3::text[])`,
      [stream, expected, keys, keys.length],
    );
  const many = (client: PoolClient, streams: Array<[string, number]>, key: string) =>
    client.query(
      `SELECT * FROM event_store.append_many($1::text[], array_fill('test'::text, ARRAY[$4::int]), $2::bigint[],
              ARRAY(SELECT generate_series(1, $4::int)), array_fill('reported'::text, ARRAY[$4::int]), array_fill(1, ARRAY[$4::int]),
              array_fill('{"n": 1}'::json, ARRAY[$4::int]), array_fill('{}'::json, ARRAY[$4::int]), array_fill(now(), ARRAY[$4::int]),
              ARRAY(SELECT $3 || '-' || i FROM generate_series(1, $4::int) i))`,
      [streams.map(([s]) => s), streams.map(([, v]) => v), key, streams.length],
    );

  it('append_one: a new stream\'s row is inserted once; an existing stream\'s head is moved in place', async () => {
    expect(await streamRowWrites((c) => one(c, 'once-one', 0, 'once-one-1'))).toEqual({ inserted: 1, updated: 0 });
    expect(await streamRowWrites((c) => one(c, 'once-one', 1, 'once-one-2'))).toEqual({ inserted: 0, updated: 1 });
  });

  it('append: a new stream\'s row is inserted once; an existing stream\'s head is moved in place', async () => {
    expect(await streamRowWrites((c) => several(c, 'once-several', 0, ['once-several-1', 'once-several-2']))).toEqual({ inserted: 1, updated: 0 });
    expect(await streamRowWrites((c) => several(c, 'once-several', 2, ['once-several-3', 'once-several-4']))).toEqual({ inserted: 0, updated: 1 });
  });

  it('append_many: each new stream\'s row is inserted once, beside existing streams whose heads move in place', async () => {
    expect(await streamRowWrites((c) => many(c, [['once-many-a', 0]], 'once-many-first'))).toEqual({ inserted: 1, updated: 0 });
    const writes = await streamRowWrites((c) =>
      many(c, [['once-many-b', 0], ['once-many-a', 1], ['once-many-c', -1], ['once-many-d', 0]], 'once-many-second'),
    );
    expect(writes).toEqual({ inserted: 3, updated: 1 });
  });

  it('the streams so created hold their last event\'s version and hash, and the log verifies', async () => {
    const { rows } = await pool.query<{ stream_id: string; version: number; matches: boolean; created_with_it: boolean }>(
      `SELECT s.stream_id, s.version, s.head_hash = e.hash AS matches, s.created_at = e.recorded_at AS created_with_it
         FROM event_store.streams s
         JOIN event_store.events e ON e.stream_id = s.stream_id AND e.stream_version = s.version
        WHERE s.stream_id LIKE 'once-%' ORDER BY s.stream_id`,
    );
    expect(rows).toEqual([
      { stream_id: 'once-many-a', version: 2, matches: true, created_with_it: false },
      { stream_id: 'once-many-b', version: 1, matches: true, created_with_it: true },
      { stream_id: 'once-many-c', version: 1, matches: true, created_with_it: true },
      { stream_id: 'once-many-d', version: 1, matches: true, created_with_it: true },
      { stream_id: 'once-one', version: 2, matches: true, created_with_it: false },
      { stream_id: 'once-several', version: 4, matches: true, created_with_it: false },
    ]);
    expect(await store.verify()).toEqual([]);
  });
});
