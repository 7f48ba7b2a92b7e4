import { Client, type Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { RulesAsDomains1764300012000 } from '@annals/event-store/schema/1764300012000-rules-as-domains';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The rules of the log's columns are PostgreSQL's, whoever writes: calls of event_store.append
 * made straight in SQL, past the client's checks, and rows inserted by hand are held to them.
 * Since migration 1764300012000 they are domains (checked where a value is written, not
 * re-prepared for every statement); that migration must not rewrite the log to get there.
 */
describe('event store: the rules of the log columns, enforced by PostgreSQL', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
  });
  afterAll(() => db.drop());

  const append = (overrides: { streamType?: string; type?: string; schemaVersion?: number; key?: string | null }, streamId = 'rules-1') =>
    pool.query(
      `SELECT * FROM event_store.append($1, $2, -1, ARRAY[$3::text], ARRAY[$4::int], ARRAY['{}'::json], ARRAY['{}'::json], ARRAY[now()], ARRAY[$5::text])`,
      [streamId, overrides.streamType ?? 'rules', overrides.type ?? 'reported', overrides.schemaVersion ?? 1, overrides.key ?? null],
    );
  const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;

  it('accepts values at the edges of every rule', async () => {
    const before = await stored();
    await append({ streamType: 's'.repeat(100), type: 't'.repeat(200), key: 'k'.repeat(256) }, 'rules-edges');
    await append({ type: 't', schemaVersion: 1, key: 'k' }, 'rules-edges');
    expect(await stored()).toBe(before + 2);
  });

  it.each([
    ['an empty event type', { type: '' }, 'event_type_name_check'],
    ['an event type of 201 characters', { type: 't'.repeat(201) }, 'event_type_name_check'],
    ['schema version 0', { schemaVersion: 0 }, 'schema_version_number_check'],
    ['an empty idempotency key', { key: '' }, 'events_idempotency_key_check'],
    ['an idempotency key of 257 characters', { key: 'k'.repeat(257) }, 'events_idempotency_key_check'],
    ['an empty stream type', { streamType: '' }, 'stream_type_name_check'],
    ['a stream type of 101 characters', { streamType: 's'.repeat(101) }, 'stream_type_name_check'],
  ])('refuses %s, naming the rule, and stores nothing', async (_what, overrides, rule) => {
    const before = await stored();
    await expect(append(overrides, `rules-bad-${rule}`)).rejects.toMatchObject({ code: '23514', constraint: rule });
    expect(await stored()).toBe(before);
    const { rows } = await pool.query('SELECT 1 FROM event_store.streams WHERE stream_id = $1', [`rules-bad-${rule}`]);
    expect(rows).toEqual([]);
  });

  it('refuses a stream version below 1 in a row inserted by hand', async () => {
    await expect(
      pool.query(
        `INSERT INTO event_store.events (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata, recorded_at, hash)
         VALUES (nextval('event_store.positions'), pg_current_xact_id(), 'rules-by-hand', 0, 'reported', 1, '{}', '{}', now(), '\\x00')`,
      ),
    ).rejects.toMatchObject({ code: '23514', constraint: 'stream_version_number_check' });
  });

  it('the migration keeps the log in place (no rewrite, the same indexes) and its down brings the table CHECKs back', async () => {
    await append({}, 'rules-migration');
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      const runner = { query: (sql: string) => owner.query(sql) } as unknown as QueryRunner;
      const files = async () =>
        (
          await owner.query<{ relname: string; relfilenode: string }>(
            `SELECT c.relname, c.relfilenode::text FROM pg_class c
              WHERE c.oid IN ('event_store.events'::regclass, 'event_store.streams'::regclass)
                 OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('event_store.events'::regclass, 'event_store.streams'::regclass))
              ORDER BY 1`,
          )
        ).rows;
      const migration = new RulesAsDomains1764300012000();
      await owner.query('BEGIN');
      await migration.down(runner);
      await owner.query('COMMIT');
      // the table rules are back: the same bad value is refused by the table's CHECK now
      await expect(append({ type: '' }, 'rules-after-down')).rejects.toMatchObject({ code: '23514', constraint: 'events_event_type_check' });
      const before = await files();
      await owner.query('BEGIN');
      await migration.up(runner);
      await owner.query('COMMIT');
      expect(await files()).toEqual(before);
      await expect(append({ type: '' }, 'rules-after-up')).rejects.toMatchObject({ code: '23514', constraint: 'event_type_name_check' });
      expect((await pool.query('SELECT stream_version FROM event_store.events WHERE stream_id = $1', ['rules-migration'])).rows).toEqual([{ stream_version: 1 }]);
    } finally {
      await owner.end();
    }
  });
});
