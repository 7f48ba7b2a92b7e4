import type { Pool } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { planReportingPool } from '../../support/plan-reporting-pool';

/**
 * The plans PostgreSQL runs inside event_store.append, read with auto_explain (nested
 * statements, reported to the client as notices). An append must never scan the log: a plan
 * chosen while the table is small is kept by PL/pgSQL as it grows, so a sequential scan of
 * event_store.events here makes every append cost more as the log grows.
 */
describe('event store: the plans inside append', () => {
  let db: TestDatabase;
  let pool: Pool;
  let plans: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ pool, plans } = planReportingPool(db.adminUrl, { nestedStatements: true }));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('from an empty log to about a thousand events, no append scans event_store.events sequentially', async () => {
    const store = new PostgresEventStore(pool);
    const appendPlans: string[] = [];
    for (let i = 0; i < 300; i++) {
      const batch = i % 3 === 0 ? 10 : 1;
      const events = Array.from({ length: batch }, (_, k) => ({ type: 'reported', data: { i, k }, idempotencyKey: `plans-${i}-${k}` }));
      // every fifth append also resends a stored key: the full idempotency path has its plan too
      if (i % 5 === 4) events.unshift({ type: 'reported', data: { i, k: -1 }, idempotencyKey: `plans-${i - 1}-0` });
      plans.length = 0;
      const result = await store.append(`plans-${i % 7}`, events, { expectedVersion: 'any' });
      if (i % 5 === 4) expect(result.events[0]!.duplicate).toBe(true);
      appendPlans.push(...plans);
      // and a single event resent alone: a call of one event has its own probe
      if (i % 7 === 6) {
        plans.length = 0;
        const again = await store.append('plans-again', [{ type: 'reported', data: {}, idempotencyKey: `plans-${i}-0` }], { expectedVersion: 'any' });
        expect(again.events[0]).toMatchObject({ duplicate: true, streamId: `plans-${i % 7}` });
        appendPlans.push(...plans);
      }
    }
    // auto_explain did report the statements inside the function (else this test proves nothing)
    expect(appendPlans.some((plan) => plan.includes('idempotency_key'))).toBe(true);
    const scans = appendPlans.filter((plan) => /Seq Scan on events\b/.test(plan));
    expect(scans).toEqual([]);
  });

  it('append_many neither, including its version check of a stream at another version', async () => {
    const store = new PostgresEventStore(pool);
    const manyPlans: string[] = [];
    for (let i = 0; i < 100; i++) {
      plans.length = 0;
      await store.appendMany(
        Array.from({ length: 5 }, (_, s) => ({
          streamId: `plans-many-${s}`,
          events: [{ type: 'reported', data: { i, s }, idempotencyKey: `plans-many-${i}-${s}` }],
          // every tenth call expects a version the stream has left: the conflict path probes keys too
          options: { expectedVersion: i % 10 === 9 ? 0 : ('any' as const) },
        })),
      );
      manyPlans.push(...plans);
    }
    expect(manyPlans.some((plan) => plan.includes('idempotency_key'))).toBe(true);
    expect(manyPlans.filter((plan) => /Seq Scan on events\b/.test(plan))).toEqual([]);
  });
});
