import type { Pool } from 'pg';
import { PostgresEventStore, Subscription } from '@annals/event-store';
import { createTestDatabase, eventually, readModelLag, type TestDatabase } from '@annals/testing';

/**
 * The tests' "has the read model caught up?" (readModelLag). A projector that has not committed
 * its first batch has no checkpoint row yet; a chaos test once took that for "caught up" and
 * compared an empty read model with a rebuild.
 */
describe('testing: the active read model\'s lag', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  it('counts every stored event while the version has no checkpoint, and none once its checkpoint is past them', async () => {
    expect(await readModelLag(pool)).toBe(0);
    for (let i = 0; i < 3; i++) await store.append(`lag-${i}`, [{ type: 'reported', data: { i } }], { expectedVersion: 'no-stream' });
    expect(await readModelLag(pool)).toBe(3);
    // a subscription under the active version's name, as the projector's, that only moves its checkpoint
    const subscription = new Subscription(pool, store, { subscriptionId: 'coalition-membership@v1', batchSize: 2, pollIntervalMs: 50, handler: async () => undefined });
    subscription.start();
    try {
      await eventually('the checkpoint past every event', async () => ((await readModelLag(pool)) === 0 ? true : undefined), 10_000, 20);
    } finally {
      await subscription.stop();
    }
    await store.append('lag-3', [{ type: 'reported', data: { i: 3 } }], { expectedVersion: 'no-stream' });
    expect(await readModelLag(pool)).toBe(1);
  });
});
