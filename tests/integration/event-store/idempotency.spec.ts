import type { Pool } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

describe('event store: idempotency keys', () => {
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
  const countKey = async (key: string) =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events WHERE idempotency_key = $1', [key])).rows[0]!.n;

  it('the same key appended 3 times in a row: one event, three successes with the same position', async () => {
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await store.append('idem-seq', [event('report-1')], { expectedVersion: 'any' }));
    expect(await countKey('report-1')).toBe(1);
    expect(new Set(results.map((r) => r.events[0]!.position)).size).toBe(1);
    expect(results.map((r) => r.events[0]!.duplicate)).toEqual([false, true, true]);
    expect(results.map((r) => r.events[0]!.streamVersion)).toEqual([1, 1, 1]);
  });

  it('a redelivered append succeeds even though its expected version is stale now', async () => {
    const first = await store.append('idem-stale', [event('report-stale')], { expectedVersion: 'no-stream' });
    const again = await store.append('idem-stale', [event('report-stale')], { expectedVersion: 'no-stream' });
    expect(again.events[0]).toEqual({ ...first.events[0], duplicate: true });
  });

  // `append` shares a call among the appends of one tick (settled inside one transaction);
  // appendAlone sends each in a transaction of its own (settled by PostgreSQL's race).
  it.each(['append', 'appendAlone'] as const)('the same key appended 3 times concurrently (%s), to one stream and to different streams: one event, same position everywhere', async (form) => {
    for (let round = 0; round < 10; round++) {
      const sameStream = await Promise.all([0, 1, 2].map(() => store[form](`idem-conc-${form}-${round}`, [event(`conc-${form}-${round}`)], { expectedVersion: 'any' })));
      expect(await countKey(`conc-${form}-${round}`)).toBe(1);
      expect(new Set(sameStream.map((r) => r.events[0]!.position)).size).toBe(1);
      expect(sameStream.filter((r) => !r.events[0]!.duplicate)).toHaveLength(1);

      const otherStreams = await Promise.all([0, 1, 2].map((i) => store[form](`idem-x${i}-${form}-${round}`, [event(`cross-${form}-${round}`)], { expectedVersion: 'any' })));
      expect(await countKey(`cross-${form}-${round}`)).toBe(1);
      expect(new Set(otherStreams.map((r) => `${r.events[0]!.streamId}@${r.events[0]!.position}`)).size).toBe(1);
      expect(otherStreams.filter((r) => !r.events[0]!.duplicate)).toHaveLength(1);
    }
  });

  it('in a batch, stored keys answer with their original place and only new events are written', async () => {
    await store.append('idem-batch', [event('b-1'), event('b-2')], { expectedVersion: 'no-stream' });
    const mixed = await store.append('idem-batch', [event('b-1'), event('b-3'), event('b-3'), event('b-2')], { expectedVersion: 2 });
    expect(mixed.events.map((e) => [e.idempotencyKey, e.streamVersion, e.duplicate])).toEqual([
      ['b-1', 1, true],
      ['b-3', 3, false],
      ['b-3', 3, true],
      ['b-2', 2, true],
    ]);
    expect(await store.streamVersion('idem-batch')).toBe(3);
    // all duplicates: no write, no version check, and no stream is created for nothing
    const none = await store.append('idem-new-stream', [event('b-1')], { expectedVersion: 'no-stream' });
    expect(none.events[0]).toMatchObject({ streamId: 'idem-batch', streamVersion: 1, duplicate: true });
    expect(await store.streamVersion('idem-new-stream')).toBe(0);
  });

  it('a key repeated inside a batch of new keys is written once, and the chain verifies across plain and mixed appends', async () => {
    const repeated = await store.append('idem-repeat', [event('r-1'), event('r-2'), event('r-1')], { expectedVersion: 'no-stream' });
    expect(repeated.events.map((e) => [e.idempotencyKey, e.streamVersion, e.duplicate])).toEqual([
      ['r-1', 1, false],
      ['r-2', 2, false],
      ['r-1', 1, true],
    ]);
    expect(repeated.events[2]!.position).toBe(repeated.events[0]!.position);
    expect(await countKey('r-1')).toBe(1);
    // a plain append (all keys new), a mixed one (a stored key and a new one), a plain one again
    await store.append('idem-repeat', [event('r-3')], { expectedVersion: 2 });
    const mixed = await store.append('idem-repeat', [event('r-2'), event('r-4')], { expectedVersion: 3 });
    expect(mixed.events.map((e) => [e.streamVersion, e.duplicate])).toEqual([
      [2, true],
      [4, false],
    ]);
    const last = await store.append('idem-repeat', [event('r-5'), event('r-6')], { expectedVersion: 4 });
    expect(last.events.map((e) => e.streamVersion)).toEqual([5, 6]);
    expect((await store.readStream('idem-repeat')).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await store.verify()).toEqual([]);
  });
});
