import { Client, type Pool } from 'pg';
import { validateNewsEvent, type NewsEvent } from '@annals/contracts';
import { inTransaction } from '@annals/database';
import { PostgresEventStore, START } from '@annals/event-store';
import { ReportWriter } from '@annals/ingestion/report-writer/report-writer';
import { CoalitionMembershipProjection, RECOMPUTE_SLICE } from '@annals/projections';
import { createTestDatabase, rng, type TestDatabase } from '@annals/testing';
import { randomReport } from '../../support/news-factory';

/**
 * A live batch inserts its facts and recomputes its pairs in chunks, each chunk's inserts,
 * retractions, reads, computing and writes pipelined on the batch's connection. Whatever the
 * chunking, the rows and retractions must be those of the rebuild's path, which applies every
 * retraction at once and computes every pair once from all its facts in one sorted pass.
 */
describe('projection: a live batch of thousands of pairs, recomputed in pipelined slices', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 4 });
  });
  afterAll(() => db.drop());

  const rowsOf = async (version: number) =>
    (
      await pool.query<{ row: string }>(
        `SELECT concat_ws(' ', coalition_id, country, valid, known, since, roles) AS row
           FROM read_model.membership WHERE version = $1 ORDER BY coalition_id, country, lower(known), lower(valid)`,
        [version],
      )
    ).rows.map((r) => r.row);

  it('gives the rows the rebuild computes, for a batch that first creates and then rewrites them', async () => {
    const store = new PostgresEventStore(pool);
    const writer = new ReportWriter(store);
    const random = rng(31);
    // every 25th a retraction: of a report before or after it, in its batch or the other one,
    // in its chunk or another (some reports retracted twice, some retracted before they arrive)
    const reports: NewsEvent[] = Array.from({ length: 6000 }, (_, i) => {
      const report =
        i % 25 === 24
          ? {
              id: `slices-${i}`,
              type: 'report.retracted',
              occurredAt: '2016-01-01',
              source: { publisher: 'Desk', publishedAt: new Date(Date.UTC(2015, 0, 1) + Math.floor(random() * 900) * 86_400_000).toISOString().slice(0, 10) },
              data: { reportId: `slices-${Math.floor(random() * 6000)}` },
            }
          : randomReport(random, `slices-${i}`, 200);
      const parsed = validateNewsEvent(report);
      if (!parsed.ok) throw new Error(parsed.rejection.detail);
      return parsed.event;
    });
    await Promise.all(reports.map((report, i) => writer.record(report, { topic: 'slices', partition: 0, offset: String(i) })));
    const { events } = await store.readAll(START, 10_000);
    expect(events).toHaveLength(6000);

    // live, as the projector runs a version: two batches, the second rewriting rows of the first
    const projection = new CoalitionMembershipProjection();
    for (const batch of [events.slice(0, 3000), events.slice(3000)]) {
      const { pairs: touched } = await inTransaction(pool, (tx) => projection.apply(batch, tx, 1, 'live'));
      expect(touched.length).toBeGreaterThan(2 * RECOMPUTE_SLICE);
    }

    // the rebuild's path, on a version of its own
    await pool.query('SELECT read_model.create_version_partitions(2)');
    await inTransaction(pool, (tx) => projection.apply(events, tx, 2, 'loading'));
    await inTransaction(pool, (tx) => projection.applyAllRetractions(tx, 2));
    await projection.computeAll(pool, 2);

    const live = await rowsOf(1);
    expect(live.length).toBeGreaterThan(4000);
    expect(live).toEqual(await rowsOf(2));
    const retractions = `SELECT concat_ws(' ', report_id, retracted_at, retracted_by) AS row FROM read_model.facts WHERE version = $1 AND retracted_at IS NOT NULL ORDER BY report_id`;
    const retracted = (await pool.query<{ row: string }>(retractions, [1])).rows;
    expect(retracted.length).toBeGreaterThan(150);
    expect(retracted).toEqual((await pool.query<{ row: string }>(retractions, [2])).rows);
  });

  it('a statement of one slice failing fails the recomputation, once every statement queued has ended, with no unhandled rejection', async () => {
    const projection = new CoalitionMembershipProjection();
    const { events } = await new PostgresEventStore(pool).readAll(START, 10_000);
    await pool.query('SELECT read_model.create_version_partitions(3)');
    const { pairs } = await inTransaction(pool, (tx) => projection.apply(events, tx, 3, 'loading'));
    expect(pairs.length).toBeGreaterThan(2 * RECOMPUTE_SLICE);
    // without its membership partition, version 3's first slice cannot write its rows
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    await owner.query('DROP TABLE read_model.membership_v3');
    await owner.end();

    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      await expect(inTransaction(pool, (tx) => projection.recompute(pairs, tx, 3))).rejects.toThrow(/no partition of relation "membership" found for row/);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
    // the connection went back to the pool usable
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
