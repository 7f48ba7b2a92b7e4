import type { Pool } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * readStreamKeys is what a writer rebuilds a stream's state from after a start: each event's
 * version and idempotency key, and only the metadata values it asks for. It must give those
 * values exactly as they were written, whatever their JSON type, and tell a key the metadata
 * lacks from one it holds.
 */
describe('event store: a stream read as its keys and chosen metadata values', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
    await store.append(
      'keys-1',
      [
        { type: 'thing.noted', data: { n: 1 }, idempotencyKey: 'k-1', metadata: { digest: 'd-1', factKey: 'f-1', note: 'not asked for' } },
        // a string that JSON escapes, a value that is not a string, a key absent
        { type: 'thing.noted', data: { n: 2 }, idempotencyKey: 'k-2', metadata: { digest: 'quote " backslash \\ é ☃', factKey: 42 } },
        { type: 'thing.noted', data: { n: 3 }, metadata: { factKey: { nested: [true, null] }, digest: null } },
        { type: 'thing.noted', data: { n: 4 }, idempotencyKey: 'k-4', metadata: { digest: '', factKey: 'f-4' } },
      ],
      { expectedVersion: 'no-stream' },
    );
  });
  afterAll(() => db.drop());

  it('gives each event its version and key, and the values of the keys asked for as text', async () => {
    expect(await store.readStreamKeys('keys-1', ['digest', 'factKey'])).toEqual([
      { streamVersion: 1, idempotencyKey: 'k-1', metadata: { digest: 'd-1', factKey: 'f-1' } },
      { streamVersion: 2, idempotencyKey: 'k-2', metadata: { digest: 'quote " backslash \\ é ☃', factKey: '42' } },
      // a JSON null, like an absent key, is left out
      { streamVersion: 3, idempotencyKey: null, metadata: { factKey: '{"nested":[true,null]}' } },
      { streamVersion: 4, idempotencyKey: 'k-4', metadata: { digest: '', factKey: 'f-4' } },
    ]);
  });

  it('reads from a version, up to a limit, and nothing with no keys asked for', async () => {
    expect(await store.readStreamKeys('keys-1', ['factKey'], { fromVersion: 2, limit: 2 })).toEqual([
      { streamVersion: 2, idempotencyKey: 'k-2', metadata: { factKey: '42' } },
      { streamVersion: 3, idempotencyKey: null, metadata: { factKey: '{"nested":[true,null]}' } },
    ]);
    expect((await store.readStreamKeys('keys-1', [])).map((e) => e.metadata)).toEqual([{}, {}, {}, {}]);
    expect(await store.readStreamKeys('no-such-stream', ['digest'])).toEqual([]);
  });
});
