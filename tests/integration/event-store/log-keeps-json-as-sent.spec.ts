import { Client, type Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { InvalidAppendError, PostgresEventStore } from '@annals/event-store';
import { LogKeepsJsonAsSent1764300027000 } from '@annals/event-store/schema/1764300027000-log-keeps-json-as-sent';
import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { sqlAppend } from '../../support/sql-append';

/**
 * The log keeps each event's payload and metadata as they were sent, and the chain covers that
 * text (migration 1764300027000, docs/decisions/0022-log-keeps-json-as-sent.md). What jsonb,
 * which it kept before, refused and json does not (U+0000, an unpaired surrogate) the store
 * refuses, naming the event and the field.
 */
describe('event store: the log keeps JSON as sent', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  const storedText = async (streamId: string) =>
    (
      await pool.query<{ payload: string; metadata: string }>(
        'SELECT payload::text AS payload, metadata::text AS metadata FROM event_store.events WHERE stream_id = $1 ORDER BY stream_version',
        [streamId],
      )
    ).rows;

  it('stores data and metadata as the store sent them (key order kept), reads them back equal, and the chain verifies', async () => {
    const data = { zulu: 1, alpha: [1.5, 'café ☃ 😀', { b: null, a: true }], mid: 'line\nbreak "quoted" \\ \u0001' };
    const metadata = { correlationId: 'c-1', causationId: 'm-1', publisher: 'TASS' };
    await store.append('as-sent-1', [{ type: 'reported', data, metadata }, { type: 'reported', data: { second: 2 } }], { expectedVersion: 'no-stream' });
    await store.append('as-sent-1', [{ type: 'reported', data: { third: 3 } }], { expectedVersion: 2 });
    expect(await storedText('as-sent-1')).toEqual([
      { payload: JSON.stringify(data), metadata: JSON.stringify(metadata) },
      { payload: '{"second":2}', metadata: '{}' },
      { payload: '{"third":3}', metadata: '{}' },
    ]);
    const [first] = await store.readStream('as-sent-1');
    expect(first!.data).toEqual(data);
    expect(Object.keys(first!.data as object)).toEqual(['zulu', 'alpha', 'mid']);
    expect(first!.metadata).toEqual(metadata);
    expect(await store.verify()).toEqual([]);
  });

  it('keeps the text of a writer calling the functions in SQL as it is, spacing and repeated keys too, and chains it', async () => {
    const text = '{"b": 1,   "a" : [ 1.50 ],"a": 2}';
    await pool.query(`SELECT * FROM event_store.append_one('as-sent-sql', 'test', 0, 'reported', 1, $1, '{ }', NULL, NULL)`, [text]);
    expect(await storedText('as-sent-sql')).toEqual([{ payload: text, metadata: '{ }' }]);
    expect(await store.verify()).toEqual([]);
  });

  it('refuses U+0000 and unpaired surrogates in data or metadata, naming the event and the path, and writes nothing of the append', async () => {
    const ok = { type: 'reported', data: { n: 1 } };
    await expect(store.append('refused-1', [ok, { type: 'reported', data: { sources: [{ title: 'a\u0000b' }] } }], { expectedVersion: 'no-stream' })).rejects.toThrow(
      new InvalidAppendError('stream "refused-1", event 2: data.sources[0].title holds U+0000 (NUL), which PostgreSQL cannot store in text; the log does not take it'),
    );
    await expect(store.append('refused-1', [{ type: 'reported', data: {}, metadata: { 'by \ud800': 1 } }], { expectedVersion: 'no-stream' })).rejects.toThrow(
      /^stream "refused-1", event 1: metadata has a key holding an unpaired surrogate \(U\+D800\)/,
    );
    await expect(store.append('refused-1', [ok, ok, { type: 'reported', data: 'tail \udc00' }], { expectedVersion: 'no-stream' })).rejects.toThrow(
      /^stream "refused-1", event 3: data holds an unpaired surrogate \(U\+DC00\)/,
    );
    // a call of one event (append_one) and a call of several streams (appendMany) are held alike
    await expect(store.appendAlone('refused-1', [{ type: 'reported', data: ['\u0000'] }], { expectedVersion: 'no-stream' })).rejects.toThrow(/event 1: data\[0\] holds U\+0000/);
    await expect(
      store.appendMany([
        { streamId: 'refused-2', events: [ok], options: { expectedVersion: 'no-stream' } },
        { streamId: 'refused-3', events: [ok, { type: 'reported', data: { x: '\u0000' } }], options: { expectedVersion: 'no-stream' } },
      ]),
    ).rejects.toThrow(/^stream "refused-3", event 2: data\.x holds U\+0000/);
    expect(await storedText('refused-1')).toEqual([]);
    expect(await storedText('refused-2')).toEqual([]);
    expect(await storedText('refused-3')).toEqual([]);
  });

  it('takes what only looks like those escapes, controls and paired surrogates, and an append sharing a call with a refused one', async () => {
    const data = { literal: 'backslash-u \\u0000 and \\ud800', controls: '\u0001\u001f', pair: '😀' };
    const [refused, taken] = await Promise.allSettled([
      store.append('shared-refused', [{ type: 'reported', data: { bad: '\u0000' } }], { expectedVersion: 'no-stream' }),
      store.append('shared-taken', [{ type: 'reported', data }], { expectedVersion: 'no-stream' }),
    ]);
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(InvalidAppendError) });
    expect(taken).toMatchObject({ status: 'fulfilled' });
    expect((await store.readStream('shared-taken'))[0]!.data).toEqual(data);
    expect(await storedText('shared-refused')).toEqual([]);
  });
});

/**
 * The migration: the events stored as jsonb keep their chains (the column is converted from the
 * text jsonb printed, which their links hashed), new events chain onto them, and `down` goes back
 * to jsonb only while no event keeps a text that jsonb would print otherwise.
 */
describe('event store: migration 1764300027000 (the log keeps JSON as sent)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let owner: Client;
  let runner: QueryRunner;
  const migration = new LogKeepsJsonAsSent1764300027000();

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    // as TypeORM's runner: the rows
    runner = { query: (sql: string) => owner.query(sql).then((r) => r.rows) } as unknown as QueryRunner;
  });
  afterAll(async () => {
    await owner.end();
    await db.drop();
  });

  const columnTypes = async () =>
    (
      await owner.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'event_store' AND table_name = 'events' AND column_name IN ('payload', 'metadata') ORDER BY 1`,
      )
    ).rows.map((r) => `${r.column_name} ${r.data_type}`);
  const verify = async () => (await owner.query('SELECT * FROM event_store.verify()')).rows;
  const texts = async (streamId: string) =>
    (await owner.query<{ t: string }>('SELECT payload::text AS t FROM event_store.events WHERE stream_id = $1 ORDER BY stream_version', [streamId])).rows.map((r) => r.t);

  it('converts a jsonb log keeping every chain, chains new events onto it, and goes down only while no event keeps its own text', async () => {
    await migration.down(runner);
    expect(await columnTypes()).toEqual(['metadata jsonb', 'payload jsonb']);
    // stored as jsonb: keys reordered, spacing jsonb's own
    const events = [{ zulu: 1, a: [2.5, "é"] }, { kept: { y: 1, x: 2 } }];
    await sqlAppend(pool, 'converted', 0, events.map((data, i) => ({ type: 'reported', data, key: `converted-${i}` })));
    const printed = await texts('converted');
    expect(printed).toEqual(['{"a": [2.5, "é"], "zulu": 1}', '{"kept": {"x": 2, "y": 1}}']);

    await migration.up(runner);
    expect(await columnTypes()).toEqual(['metadata json', 'payload json']);
    expect(await texts('converted')).toEqual(printed);
    expect(await verify()).toEqual([]);
    // every event still holds jsonb's text: down is allowed, and keeps the chains
    await migration.down(runner);
    expect(await columnTypes()).toEqual(['metadata jsonb', 'payload jsonb']);
    expect(await verify()).toEqual([]);
    await migration.up(runner);

    // a new event keeps its text as sent, chained onto the converted ones
    await new PostgresEventStore(pool).append('converted', [{ type: 'reported', data: { zulu: 3, a: 4 } }], { expectedVersion: 2 });
    expect(await texts('converted')).toEqual([...printed, '{"zulu":3,"a":4}']);
    expect(await verify()).toEqual([]);
    await expect(migration.down(runner)).rejects.toThrow(/cannot be undone: 1 stored events keep a payload or metadata that jsonb would print otherwise/);
    expect(await columnTypes()).toEqual(['metadata json', 'payload json']);
    expect(await verify()).toEqual([]);
  });
});
