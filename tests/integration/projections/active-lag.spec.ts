import type { Pool } from 'pg';
import { PostgresEventStore, Subscription } from '@annals/event-store';
import { ProjectionVersions } from '@annals/projections';
import { createTestDatabase, eventually, type TestDatabase } from '@annals/testing';

/**
 * "Has the read model caught up?" (ProjectionVersions.activeLag, which the tests and the demo
 * wait on). A projector that has not committed its first batch has no checkpoint row yet; a
 * chaos test once took that for "caught up" and compared an empty read model with a rebuild.
 */
describe('read model: the active version\'s lag', () => {
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
    expect(await ProjectionVersions.activeLag(pool)).toBe(0);
    for (let i = 0; i < 3; i++) await store.append(`lag-${i}`, [{ type: 'reported', data: { i } }], { expectedVersion: 'no-stream' });
    expect(await ProjectionVersions.activeLag(pool)).toBe(3);
    // a subscription under the active version's name, as the projector's, that only moves its checkpoint
    const subscription = new Subscription(pool, store, { subscriptionId: 'coalition-membership@v1', batchSize: 2, pollIntervalMs: 50, handler: async () => undefined });
    subscription.start();
    try {
      await eventually('the checkpoint past every event', async () => ((await ProjectionVersions.activeLag(pool)) === 0 ? true : undefined), 10_000, 20);
    } finally {
      await subscription.stop();
    }
    await store.append('lag-3', [{ type: 'reported', data: { i: 3 } }], { expectedVersion: 'no-stream' });
    expect(await ProjectionVersions.activeLag(pool)).toBe(1);
  });
});
