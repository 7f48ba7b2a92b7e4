import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from '@annals/event-store';
import { ProjectionVersionEntity, ProjectionVersions } from '@annals/projections';
import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { planReportingPool } from '../../support/plan-reporting-pool';

/**
 * How far behind the log a read-model version is: /metrics asks at every scrape, the admin API
 * and the tests' "caught up?" too. A version nearly caught up must have its few events behind
 * counted through the log's order index, not the whole log read. That takes a planner that knows
 * where the checkpoint is: with it taken from a join, PostgreSQL estimated a third of the log
 * behind, which it reads through the index while the log is small and by a sequential scan of
 * the whole log once it is large (320-550 ms at 1,000,000 events, EXPLAIN ANALYZE; a log that size
 * is too slow to build here, so this checks the estimate, which decides the plan at any size).
 * The plans are read with auto_explain (reported to the client as notices).
 */
describe('read model: counting a version\'s lag reads only the events behind', () => {
  let db: TestDatabase;
  let pool: Pool;
  let source: DataSource;
  let versions: ProjectionVersions;
  let plans: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ pool, plans } = planReportingPool(db.adminUrl));
    source = new DataSource({ type: 'postgres', url: db.appUrl, entities: [ProjectionVersionEntity], synchronize: false, extra: { max: 1 } });
    await source.initialize();
    versions = new ProjectionVersions(pool, source.getRepository(ProjectionVersionEntity));
    // a log of 6,000 events in calls of 500, its statistics taken, as autovacuum keeps them
    const store = new PostgresEventStore(db.appPool());
    for (let call = 0; call < 12; call++) {
      await store.appendMany(
        Array.from({ length: 50 }, (_, s) => ({
          streamId: `lag-${s}`,
          events: Array.from({ length: 10 }, (_, k) => ({ type: 'reported', data: { call, s, k, note: 'x'.repeat(300) } })),
          options: { expectedVersion: 'any' as const },
        })),
      );
    }
    await pool.query('ANALYZE event_store.events');
  });
  afterAll(async () => {
    await source?.destroy();
    await pool?.end();
    await db.drop();
  });

  it('counts the 7 events after a checkpoint near the log\'s end through the order index, in list() and activeLag()', async () => {
    // the active version's checkpoint 7 events before the end
    await pool.query(
      `INSERT INTO event_store.checkpoints (subscription_id, transaction_id, position)
       SELECT 'coalition-membership@v1', transaction_id, position FROM event_store.events
        ORDER BY transaction_id DESC, position DESC OFFSET 7 LIMIT 1`,
    );
    plans.length = 0;
    const listed = await versions.list();
    const active = await ProjectionVersions.activeLag(pool);

    expect(listed.find((v) => v.version === 1)).toMatchObject({ state: 'active', lagEvents: 7 });
    expect(listed.find((v) => v.version === 1)!.lagSeconds).toBeGreaterThan(0);
    expect(active).toBe(7);
    // each count's plan: what PostgreSQL expected to find behind the checkpoint, and how it reads it
    const scans = plans.flatMap((plan) => [...plan.matchAll(/(\w+(?: \w+)*? Scan)(?: using \w+)? on events e\s+\(cost=[\d.]+ rows=(\d+)/g)].map((m) => ({ scan: m[1]!, rows: Number(m[2]) })));
    // auto_explain did report both counts (else this test proves nothing)
    expect(scans.length).toBeGreaterThanOrEqual(2);
    for (const { scan, rows } of scans) {
      expect(scan).not.toBe('Seq Scan');
      // a few events, as the log's statistics say, not a third of its 6,000
      expect(rows).toBeLessThan(300);
    }
  });

  it('still counts every event for a version without a checkpoint, and none for a retired one', async () => {
    await pool.query("UPDATE read_model.versions SET state = 'retired', retired_at = now() WHERE version = 1");
    await pool.query("INSERT INTO read_model.versions (version, state, phase) VALUES (2, 'active', 'ready')");
    const listed = await versions.list();
    expect(listed.map((v) => [v.version, v.state, v.lagEvents])).toEqual([
      [1, 'retired', 0],
      [2, 'active', 6000],
    ]);
    expect(await ProjectionVersions.activeLag(pool)).toBe(6000);
  });
});
