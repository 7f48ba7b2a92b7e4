import type { Pool } from 'pg';
import { ConcurrencyError, PostgresEventStore, type AppendResult } from '@annals/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@annals/testing';

/**
 * `append` (calls of several events) and append_many write a call as if every key were new, and
 * take the checked path only when the unique index meets a stored or repeated key, or a stream is
 * not where the caller expects it (migration 1764300024000). These are the cases where the first
 * attempt fails and must leave nothing behind, and the one its missing row lock could let through.
 */
describe('event store: the usual call tried first', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 8 });
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  const event = (key: string) => ({ type: 'reported', data: { key }, idempotencyKey: key });
  const stored = async (streamId: string) => (await store.readStream(streamId)).map((e) => `${e.idempotencyKey}@${e.streamVersion}`);
  const streamRow = async (streamId: string) =>
    (await pool.query<{ version: number }>('SELECT version FROM event_store.streams WHERE stream_id = $1', [streamId])).rows[0]?.version;

  it('a batch whose keys are all stored, sent again at a stale version or to a new stream, is answered with the originals and writes nothing', async () => {
    const first = await store.append('first-stale', [event('s-1'), event('s-2')], { expectedVersion: 'no-stream' });
    await store.append('first-stale', [event('s-3'), event('s-4')], { expectedVersion: 2 });
    const again = await store.append('first-stale', [event('s-1'), event('s-2')], { expectedVersion: 'no-stream' });
    expect(again.events).toEqual(first.events.map((e) => ({ ...e, duplicate: true })));
    const elsewhere = await store.append('first-elsewhere', [event('s-2'), event('s-1')], { expectedVersion: 'no-stream' });
    expect(elsewhere.events.map((e) => [e.streamId, e.streamVersion, e.duplicate])).toEqual([
      ['first-stale', 2, true],
      ['first-stale', 1, true],
    ]);
    expect(await stored('first-stale')).toEqual(['s-1@1', 's-2@2', 's-3@3', 's-4@4']);
    // the attempt created the new stream's row before its INSERT met the stored keys: undone with it
    expect(await streamRow('first-elsewhere')).toBeUndefined();
    expect(await store.verify()).toEqual([]);
  });

  it('a batch to a new stream with one stored key among new ones: the new stream holds only the new events, chained from its start', async () => {
    await store.append('first-old', [event('o-1')], { expectedVersion: 'no-stream' });
    const mixed = await store.append('first-new', [event('n-1'), event('n-2'), event('o-1'), event('n-3')], { expectedVersion: 'no-stream' });
    expect(mixed.events.map((e) => [e.idempotencyKey, e.streamId, e.streamVersion, e.duplicate])).toEqual([
      ['n-1', 'first-new', 1, false],
      ['n-2', 'first-new', 2, false],
      ['o-1', 'first-old', 1, true],
      ['n-3', 'first-new', 3, false],
    ]);
    expect(await stored('first-new')).toEqual(['n-1@1', 'n-2@2', 'n-3@3']);
    expect(await streamRow('first-new')).toBe(3);
    expect(await store.verify()).toEqual([]);
  });

  it('a version that does not match is still a ConcurrencyError with the actual version, and nothing is written', async () => {
    await store.append('first-conflict', [event('c-1'), event('c-2')], { expectedVersion: 'no-stream' });
    await expect(store.append('first-conflict', [event('c-3'), event('c-4')], { expectedVersion: 1 })).rejects.toMatchObject({
      name: ConcurrencyError.name,
      actualVersion: 2,
    });
    // a stored key does not make a wrong expectation right when the call also carries a new one
    await expect(store.append('first-conflict', [event('c-1'), event('c-5')], { expectedVersion: 5 })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await stored('first-conflict')).toEqual(['c-1@1', 'c-2@2']);
  });

  it('append_many: a stored key in one stream sends the whole call to the checked path, which answers it and writes the rest', async () => {
    await store.append('many-first-a', [event('ma-1'), event('ma-2')], { expectedVersion: 'no-stream' });
    const [a, b, c] = await store.appendMany([
      { streamId: 'many-first-a', events: [event('ma-1'), event('ma-3')], options: { expectedVersion: 'no-stream' } },
      { streamId: 'many-first-b', events: [event('mb-1'), event('mb-2')], options: { expectedVersion: 'no-stream' } },
      { streamId: 'many-first-c', events: [event('mc-1')], options: { expectedVersion: 'stream-exists' } },
    ]);
    // many-first-a: a stored key at a stale version, with a new one: the stale version is the answer
    expect(a).toBeInstanceOf(ConcurrencyError);
    expect((b as AppendResult).events.map((e) => [e.idempotencyKey, e.streamVersion, e.duplicate])).toEqual([
      ['mb-1', 1, false],
      ['mb-2', 2, false],
    ]);
    expect(c).toBeInstanceOf(ConcurrencyError);
    const [again] = await store.appendMany([{ streamId: 'many-first-a', events: [event('ma-2'), event('ma-1')], options: { expectedVersion: 7 } }]);
    expect((again as AppendResult).events.map((e) => [e.streamVersion, e.duplicate])).toEqual([
      [2, true],
      [1, true],
    ]);
    expect(await stored('many-first-a')).toEqual(['ma-1@1', 'ma-2@2']);
    expect(await stored('many-first-b')).toEqual(['mb-1@1', 'mb-2@2']);
    expect(await streamRow('many-first-c')).toBeUndefined();
    expect(await store.verify()).toEqual([]);
  });

  it('writers racing with the same new keys in batches to different streams: each key stored once, every call answered', async () => {
    // each call a transaction of its own (appendAlone): the race is PostgreSQL's
    for (let round = 0; round < 10; round++) {
      const keys = [`race-${round}-1`, `race-${round}-2`, `race-${round}-3`];
      const results = await Promise.all(
        [0, 1, 2].map((w) =>
          w === 2
            ? store.appendMany([{ streamId: `race-m-${round}`, events: keys.map(event), options: { expectedVersion: 'any' } }]).then(([r]) => r as AppendResult)
            : store.appendAlone(`race-${w}-${round}`, keys.map(event), { expectedVersion: 'any' }),
        ),
      );
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events WHERE idempotency_key = ANY($1)', [keys]);
      expect(rows[0]!.n).toBe(3);
      const places = results.map((r) => r.events.map((e) => `${e.streamId}@${e.position}`).join(','));
      expect(new Set(places).size).toBe(1);
      expect(results.filter((r) => r.events.every((e) => !e.duplicate))).toHaveLength(1);
    }
    expect(await store.verify()).toEqual([]);
  });

  describe('a head moved by a writer that bypassed the write lock', () => {
    // Such a writer updates the stream row directly, holding its row lock while the append runs.
    // Chaining onto the head read before it would fork the stream: the append must fail instead,
    // leaving the log as the other writer left it.
    const moveBehindTheLock = async (streamId: string, append: () => Promise<unknown>) => {
      const rogue = await pool.connect();
      try {
        await rogue.query('BEGIN');
        await rogue.query('UPDATE event_store.streams SET updated_at = now() WHERE stream_id = $1', [streamId]);
        const appended = append().then(
          () => undefined,
          (error: Error) => error,
        );
        // the append waits for the row lock at its head update: its events are inserted by then
        await eventually('the append waits for the stream row', async () => {
          const { rows } = await pool.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'transactionid' AND query LIKE '%event_store.append%'`,
          );
          return rows.length > 0 ? true : undefined;
        });
        // the rogue writer moves the head to a version of its own (as if it had written an event)
        await rogue.query('UPDATE event_store.streams SET version = version + 1 WHERE stream_id = $1', [streamId]);
        await rogue.query('COMMIT');
        return await appended;
      } finally {
        rogue.release();
      }
    };

    it('append fails, and none of its events is stored', async () => {
      await store.append('bypass-one', [event('p-1'), event('p-2')], { expectedVersion: 'no-stream' });
      const error = await moveBehindTheLock('bypass-one', () => store.append('bypass-one', [event('p-3'), event('p-4')], { expectedVersion: 2 }));
      expect((error as Error).message).toMatch(/moved by a writer that did not take its write lock/);
      expect(await stored('bypass-one')).toEqual(['p-1@1', 'p-2@2']);
      expect(await streamRow('bypass-one')).toBe(3);
    });

    it('append_many fails, and none of its events is stored', async () => {
      await store.append('bypass-many', [event('q-1')], { expectedVersion: 'no-stream' });
      const error = await moveBehindTheLock('bypass-many', () =>
        store.appendMany([
          { streamId: 'bypass-many', events: [event('q-2'), event('q-3')], options: { expectedVersion: 1 } },
          { streamId: 'bypass-other', events: [event('q-4')], options: { expectedVersion: 'no-stream' } },
        ]),
      );
      expect((error as Error).message).toMatch(/moved by a writer that did not take its write lock/);
      expect(await stored('bypass-many')).toEqual(['q-1@1']);
      expect(await stored('bypass-other')).toEqual([]);
      expect(await streamRow('bypass-many')).toBe(2);
    });
  });
});
