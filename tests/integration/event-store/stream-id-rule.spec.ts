import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The stream id rule is the database's, whoever connects: the first character a letter or digit,
 * then letters, digits and . _ : @ -, 200 characters at most. Calls of event_store.append made
 * straight in SQL, past the client's own check, are held to it.
 */
describe('event store: the stream id rule, enforced by PostgreSQL', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
  });
  afterAll(() => db.drop());

  const append = (streamId: string, expected = 0) =>
    pool.query(
      `SELECT * FROM event_store.append($1, 'test', $2, ARRAY['reported'], ARRAY[1], ARRAY['{}'::json], ARRAY['{}'::json], ARRAY[now()], ARRAY[NULL::text])`,
      [streamId, expected],
    );

  it.each([
    ['the longest id', 'a'.repeat(200)],
    ['every allowed character', 'Coalition:against-ISIS_2014.v2@tass'],
    ['a single digit', '7'],
  ])('accepts %s, on creation and on every later append', async (_what, streamId) => {
    await append(streamId, 0);
    await append(streamId, 1);
    const { rows } = await pool.query('SELECT version FROM event_store.streams WHERE stream_id = $1', [streamId]);
    expect(rows).toEqual([{ version: 2 }]);
  });

  it.each([
    ['201 characters', 'a'.repeat(201)],
    ['an empty id', ''],
    ['a first character that is not a letter or digit', '-coalition'],
    ['a space', 'coalition against-isis'],
    ['a slash', 'coalition/isis'],
    ['a letter outside ASCII', 'coalitión'],
    ['a line break at the end', 'coalition\n'],
  ])('refuses %s and stores nothing', async (_what, streamId) => {
    await expect(append(streamId)).rejects.toMatchObject({ code: '23514', constraint: 'stream_identifier_check' });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM event_store.events WHERE stream_id = $1', [streamId]);
    expect(rows[0].n).toBe(0);
  });
});
