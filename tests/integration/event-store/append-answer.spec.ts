import type { Pool } from 'pg';
import { PostgresEventStore, type NewEvent } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { sqlAppend } from '../../support/sql-append';

interface Answer {
  positions: number[];
  first_version: number | null;
  duplicates: number[];
  original_stream_ids: string[];
  original_versions: number[];
}

/**
 * event_store.append answers a call in one row (migration 1764300026000): every event's
 * position in call order, the first new event's version (the others follow in call order),
 * and the duplicates with their originals' places. Each answer is checked against the log
 * itself: where the event with that key is stored.
 */
describe('event store: append answers in one row', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  /** A call of event_store.append straight in SQL, one event per key (keys may repeat), its data naming its key. */
  const append = async (streamId: string, expected: number, keys: string[]): Promise<Answer> => {
    // (pg reads a bigint[] as strings)
    const rows = await sqlAppend<Omit<Answer, 'positions' | 'original_versions'> & { positions: string[]; original_versions: string[] }>(
      pool,
      streamId,
      expected,
      keys.map((key) => ({ type: 'reported', data: { key }, key })),
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    return { ...row!, positions: row!.positions.map(Number), original_versions: row!.original_versions.map(Number) };
  };

  /** Where each key's event is stored: its position, stream and version. */
  const storedPlaces = async (keys: string[]) => {
    const { rows } = await pool.query<{ idempotency_key: string; position: number; stream_id: string; stream_version: number }>(
      'SELECT idempotency_key, position, stream_id, stream_version FROM event_store.events WHERE idempotency_key = ANY($1)',
      [keys],
    );
    return new Map(rows.map((r) => [r.idempotency_key, { position: r.position, streamId: r.stream_id, version: r.stream_version }]));
  };

  it('a call of new events: their positions in call order, the first new version, no duplicates', async () => {
    await append('answer-new', 0, ['new-1']);
    const keys = ['new-2', 'new-3', 'new-4'];
    const answer = await append('answer-new', 1, keys);
    const stored = await storedPlaces(keys);
    expect(answer).toEqual({
      positions: keys.map((k) => stored.get(k)!.position),
      first_version: 2,
      duplicates: [],
      original_stream_ids: [],
      original_versions: [],
    });
    expect(keys.map((k) => stored.get(k)!.version)).toEqual([2, 3, 4]);
  });

  it('duplicates stored in this stream, stored in another, and repeated in the call are listed with their originals; the new events follow the first new version', async () => {
    await append('answer-other', 0, ['mixed-elsewhere']);
    await append('answer-mixed', 0, ['mixed-1', 'mixed-2']);
    const keys = ['mixed-2', 'mixed-new-1', 'mixed-elsewhere', 'mixed-new-1', 'mixed-new-2'];
    const answer = await append('answer-mixed', 2, keys);
    const stored = await storedPlaces(keys);
    expect(answer).toEqual({
      positions: keys.map((k) => stored.get(k)!.position),
      first_version: 3,
      duplicates: [1, 3, 4],
      original_stream_ids: ['answer-mixed', 'answer-other', 'answer-mixed'],
      original_versions: [2, 1, 3],
    });
    expect([stored.get('mixed-new-1')!.version, stored.get('mixed-new-2')!.version]).toEqual([3, 4]);
  });

  it('a call whose every event is stored: no first new version, and no version check', async () => {
    const answer = await append('answer-mixed', 0, ['mixed-1', 'mixed-elsewhere']);
    const stored = await storedPlaces(['mixed-1', 'mixed-elsewhere']);
    expect(answer).toEqual({
      positions: [stored.get('mixed-1')!.position, stored.get('mixed-elsewhere')!.position],
      first_version: null,
      duplicates: [1, 2],
      original_stream_ids: ['answer-mixed', 'answer-other'],
      original_versions: [1, 1],
    });
  });

  it('a call of one event (append_one inside) answers in the same shape, new or duplicate', async () => {
    const fresh = await append('answer-one', 0, ['one-1']);
    const stored = await storedPlaces(['one-1']);
    expect(fresh).toEqual({ positions: [stored.get('one-1')!.position], first_version: 1, duplicates: [], original_stream_ids: [], original_versions: [] });
    const again = await append('answer-one-elsewhere', 0, ['one-1']);
    expect(again).toEqual({ positions: [stored.get('one-1')!.position], first_version: null, duplicates: [1], original_stream_ids: ['answer-one'], original_versions: [1] });
  });

  const event = (key: string): NewEvent => ({ type: 'reported', data: { key }, idempotencyKey: key });

  it("the store's result is the log's: each event where it is stored, duplicates flagged, the next expected version the stream's", async () => {
    await store.append('result-other', [event('result-elsewhere'), event('result-x')], { expectedVersion: 'no-stream' });
    await store.append('result-main', [event('result-1'), event('result-2')], { expectedVersion: 'no-stream' });
    const keys = ['result-new-1', 'result-elsewhere', 'result-2', 'result-new-2', 'result-new-1'];
    const result = await store.append('result-main', keys.map(event), { expectedVersion: 2 });
    const stored = await storedPlaces(keys);
    expect(result.events).toEqual(
      keys.map((key, i) => ({
        position: stored.get(key)!.position,
        streamId: stored.get(key)!.streamId,
        streamVersion: stored.get(key)!.version,
        idempotencyKey: key,
        duplicate: [1, 2, 4].includes(i),
      })),
    );
    expect(result.nextExpectedVersion).toBe(4);
    expect(await store.streamVersion('result-main')).toBe(4);
  });

  it("append_many's checked path answers each stream's events in rows, as the log stores them", async () => {
    await store.appendMany([{ streamId: 'many-a', events: [event('many-a-1')], options: { expectedVersion: 'no-stream' } }]);
    // a stored key sends the call to the checked path, which calls append for each stream
    const requests = [
      { streamId: 'many-a', events: ['many-a-1', 'many-a-2', 'many-a-2', 'many-a-3'].map(event), options: { expectedVersion: 1 } },
      { streamId: 'many-b', events: ['many-b-1', 'many-a-1'].map(event), options: { expectedVersion: 'no-stream' as const } },
    ];
    const results = await store.appendMany(requests);
    const stored = await storedPlaces(requests.flatMap((r) => r.events.map((e) => e.idempotencyKey!)));
    expect(results).toEqual(
      requests.map((r, k) => ({
        streamId: r.streamId,
        nextExpectedVersion: [3, 1][k],
        events: r.events.map((e, i) => ({
          position: stored.get(e.idempotencyKey!)!.position,
          streamId: stored.get(e.idempotencyKey!)!.streamId,
          streamVersion: stored.get(e.idempotencyKey!)!.version,
          idempotencyKey: e.idempotencyKey,
          duplicate: k === 0 ? i === 0 || i === 2 : i === 1,
        })),
      })),
    );
    expect(await store.verify()).toEqual([]);
  });
});
