import type { Pool } from 'pg';
import { ConcurrencyError, PostgresEventStore } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * PostgresEventStore.append shares calls among the appends its callers submit side by side
 * (docs/decisions/0019-append-shares-calls.md): what a writer sees of that, against PostgreSQL.
 * The batching rules alone are unit-tested (tests/unit/event-store/append-batcher.spec.ts).
 */
describe('event store: appends side by side share calls', () => {
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
  /**
   * An append submitted first, while nothing is out: it goes at once, alone, and the appends
   * submitted after it in the same tick share the next call.
   */
  const lead = (name: string) => store.append(`${name}-lead`, [event(`${name}-lead-1`)], { expectedVersion: 'no-stream' });
  /** The transaction ids the given streams' events were stored in. */
  const transactionsOf = async (streams: string[]) =>
    (await pool.query<{ t: string }>('SELECT DISTINCT transaction_id::text AS t FROM event_store.events WHERE stream_id = ANY($1)', [streams])).rows.map((r) => r.t);

  it('appends submitted together are stored in one transaction, each answered with its own events; the first, submitted while nothing was out, went at once in one of its own', async () => {
    const streams = Array.from({ length: 8 }, (_, i) => `together-${i}`);
    const [first, ...results] = await Promise.all([lead('together'), ...streams.map((s) => store.append(s, [event(`${s}-1`), event(`${s}-2`)], { expectedVersion: 'no-stream' }))]);
    expect(first!.events[0]!.streamId).toBe('together-lead');
    const shared = await transactionsOf(streams);
    expect(shared).toHaveLength(1);
    expect(await transactionsOf(['together-lead'])).not.toEqual(shared);
    results.forEach((result, i) => {
      expect(result.streamId).toBe(streams[i]);
      expect(result.nextExpectedVersion).toBe(2);
      expect(result.events.map((e) => [e.streamId, e.streamVersion, e.idempotencyKey, e.duplicate])).toEqual([
        [streams[i], 1, `${streams[i]}-1`, false],
        [streams[i], 2, `${streams[i]}-2`, false],
      ]);
    });
    expect(await store.verify()).toEqual([]);
  });

  it('an append at a wrong version fails alone; the appends beside it are stored', async () => {
    await store.append('beside-stale', [event('beside-stale-1')], { expectedVersion: 'no-stream' });
    const settled = await Promise.allSettled([
      lead('beside'),
      store.append('beside-a', [event('beside-a-1')], { expectedVersion: 'no-stream' }),
      store.append('beside-stale', [event('beside-stale-2')], { expectedVersion: 'no-stream' }),
      store.append('beside-b', [event('beside-b-1')], { expectedVersion: 'no-stream' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const refused = (settled[2] as PromiseRejectedResult).reason;
    expect(refused).toBeInstanceOf(ConcurrencyError);
    expect(refused).toMatchObject({ streamId: 'beside-stale', actualVersion: 1 });
    expect(await store.streamVersion('beside-a')).toBe(1);
    expect(await store.streamVersion('beside-b')).toBe(1);
    expect(await store.streamVersion('beside-stale')).toBe(1);
    expect(await transactionsOf(['beside-a', 'beside-b'])).toHaveLength(1);
  });

  it('an append PostgreSQL refuses for its data fails alone, naming the rule; the appends beside it are stored', async () => {
    const settled = await Promise.allSettled([
      lead('refused'),
      store.append('refused-a', [event('refused-a-1')], { expectedVersion: 'no-stream' }),
      // the event type's rule is PostgreSQL's (a domain), not a check in Node: the shared call is refused as a whole
      store.append('refused-bad', [{ ...event('refused-bad-1'), type: '' }], { expectedVersion: 'no-stream' }),
      store.append('refused-b', [event('refused-b-1')], { expectedVersion: 'no-stream' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23514', constraint: 'event_type_name_check' });
    expect(await store.streamVersion('refused-a')).toBe(1);
    expect(await store.streamVersion('refused-b')).toBe(1);
    expect(await store.streamVersion('refused-bad')).toBe(0);
    expect(await store.verify()).toEqual([]);
  });

  it("a stream's appends submitted together are stored in submission order", async () => {
    const results = await Promise.all([1, 2, 3].map((n) => store.append('in-order', [event(`in-order-${n}`)], { expectedVersion: 'any' })));
    expect(results.map((r) => r.events[0]!.streamVersion)).toEqual([1, 2, 3]);
    const stored = await store.readStream('in-order');
    expect(stored.map((e) => e.idempotencyKey)).toEqual(['in-order-1', 'in-order-2', 'in-order-3']);
  });

  it('a malformed append is refused before it could share a call: the appends beside it still share theirs', async () => {
    const settled = await Promise.allSettled([
      lead('early'),
      store.append('early-a', [event('early-a-1')], { expectedVersion: 'no-stream' }),
      store.append('bad id', [event('early-bad-1')], { expectedVersion: 'no-stream' }),
      store.append('early-b', [event('early-b-1')], { expectedVersion: 'no-stream' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[2] as PromiseRejectedResult).reason)).toMatch(/stream id "bad id"/);
    // in the call, it would have had the call refused and sent again one append per call
    expect(await transactionsOf(['early-a', 'early-b'])).toHaveLength(1);
  });
});
