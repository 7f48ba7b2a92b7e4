import { Client, type Pool, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from '@annals/event-store';
import { AnnalsMetrics } from '@annals/observability';
import { ProjectionVersionEntity, ProjectionVersions, ProjectorRunner } from '@annals/projections';
import { createTestDatabase, eventually, rng, type TestDatabase } from '@annals/testing';
import { randomReport, type Report } from '../../support/news-factory';
import { membershipRowsOf, rebuildVersion } from '../../support/read-model-rows';
import { ReportRecorder } from '../../support/record-reports';

/**
 * The projector keeps in memory what its own batches committed of each pair (PairCache), and
 * reads back from PostgreSQL only what it does not hold. What it holds must never outlive the
 * truth: not when another projector instance applies batches meanwhile, not when the table is
 * rewritten under it. Whatever happens, the rows must be the rebuild's.
 */
describe('projector: what it holds of pairs between batches', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let source: DataSource;
  let recorder: ReportRecorder;
  const random = rng(61);
  let reportNumber = 0;
  /** Reports about the same 40 pairs or so (4 coalitions), in no order of publication. */
  const reports = (count: number): Report[] => Array.from({ length: count }, () => randomReport(random, `held-${reportNumber++}`, 4));

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 6 });
    store = new PostgresEventStore(pool);
    source = new DataSource({ type: 'postgres', url: db.appUrl, entities: [ProjectionVersionEntity], synchronize: false, extra: { max: 1 } });
    await source.initialize();
    recorder = new ReportRecorder(store, 'held');
  });
  afterAll(async () => {
    await source.destroy();
    await pool.end();
    await db.drop();
  });

  const runner = (metrics: AnnalsMetrics, cacheSize?: number) =>
    new ProjectorRunner(pool, store, new ProjectionVersions(pool, source.getRepository(ProjectionVersionEntity)), {
      pollIntervalMs: 100,
      subscriptionPollMs: 100,
      batchSize: 100,
      metrics,
      cacheSize,
    });
  const caughtUp = () => eventually('the read model caught up', async () => ((await ProjectionVersions.activeLag(pool)) === 0 ? true : undefined), 60_000, 50);
  const failures = async (metrics: AnnalsMetrics) => (await metrics.projectionBatchFailures.get()).values.reduce((sum, v) => sum + v.value, 0);
  /** The pairs the version's committed batches looked up in the projector's memory, by outcome. */
  const lookups = async (metrics: AnnalsMetrics) => {
    const outcome = { held: 0, missed: 0 };
    for (const v of (await metrics.projectionCacheLookups.get()).values) outcome[v.labels.outcome as 'held' | 'missed'] += v.value;
    return outcome;
  };
  /** The live version's rows equal those of a version rebuilt from every stored event. */
  const expectRebuildsRows = async (rebuilt: number) => {
    await rebuildVersion(pool, store, rebuilt);
    const live = await membershipRowsOf(pool, 1);
    expect(live.length).toBeGreaterThan(40);
    expect(live).toEqual(await membershipRowsOf(pool, rebuilt));
  };

  it('reads back neither the facts nor the rows of pairs it holds', async () => {
    const metrics = new AnnalsMetrics('projector');
    const projector = runner(metrics);
    await recorder.record(reports(300));
    await projector.start();
    try {
      await caughtUp();
      // what the projector's batches read of pairs from here on: every statement goes through a
      // client of the pool, checked out ('acquire'); they still run on PostgreSQL, this only watches them
      const pairReads: string[] = [];
      let watching = true;
      const watched = new WeakSet<PoolClient>();
      const watch = (client: PoolClient) => {
        if (watched.has(client)) return;
        watched.add(client);
        const query = client.query;
        client.query = function (this: PoolClient, ...args: unknown[]) {
          const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? '');
          if (watching && /FROM read_model\.facts x|FROM read_model\.membership y/.test(text)) pairReads.push(text);
          return (query as (...a: unknown[]) => unknown).apply(this, args);
        } as never;
      };
      pool.on('acquire', watch);
      const before = await lookups(metrics);
      try {
        // a report about a pair every earlier batch touched, known after everything before it
        const later = { ...randomReport(random, `held-${reportNumber++}`, 4), source: { publisher: 'Desk', publishedAt: '2030-01-01' } };
        const [event] = await recorder.record([later]);
        expect(event).toBeDefined();
        await caughtUp();
      } finally {
        watching = false;
        pool.off('acquire', watch);
      }
      expect(pairReads).toEqual([]);
      // and says so on its metrics: the later report's pair was held, none missed
      const after = await lookups(metrics);
      expect({ held: after.held - before.held, missed: after.missed - before.missed }).toEqual({ held: 1, missed: 0 });
      expect(before.missed).toBeGreaterThan(0); // the first batches read every pair
      const [values] = (await metrics.projectionCacheValues.get()).values;
      expect(values).toMatchObject({ labels: { projection: 'coalition-membership@v1' } });
      expect(values!.value).toBeGreaterThan(300); // the facts and rows of some 40 pairs, 300 reports' worth
      expect(await failures(metrics)).toBe(0);
      await expectRebuildsRows(2);
    } finally {
      await projector.stop();
    }
  });

  it('drops what it holds when another instance applied batches meanwhile', async () => {
    const first = new AnnalsMetrics('projector');
    const a = runner(first);
    await a.start();
    await recorder.record(reports(200));
    await caughtUp();
    await a.stop();
    // another projector process takes the version over, and changes the same pairs
    const b = runner(new AnnalsMetrics('projector'));
    await b.start();
    await recorder.record(reports(200));
    await caughtUp();
    await b.stop();
    // the first one back: what it holds of those pairs is from before b's batches
    await a.start();
    try {
      await recorder.record(reports(200));
      await caughtUp();
    } finally {
      await a.stop();
    }
    expect(await failures(first)).toBe(0);
    await expectRebuildsRows(3);
  });

  it('fails a batch, reads the rows again and recovers, when the rows moved under it (VACUUM FULL, CLUSTER)', async () => {
    const metrics = new AnnalsMetrics('projector');
    const projector = runner(metrics);
    await projector.start();
    try {
      await recorder.record(reports(200));
      await caughtUp();
      // every row gets a new row id, as a table rewrite gives it: those the projector holds lead nowhere
      const owner = new Client({ connectionString: db.ownerUrl });
      await owner.connect();
      try {
        const { rowCount } = await owner.query('UPDATE read_model.membership SET since = since WHERE version = 1');
        expect(rowCount).toBeGreaterThan(40);
      } finally {
        await owner.end();
      }
      await recorder.record(reports(200));
      await caughtUp();
    } finally {
      await projector.stop();
    }
    expect(await failures(metrics)).toBeGreaterThan(0);
    await expectRebuildsRows(4);
  });

  it('rests, emptied, when the pairs its batches touch do not fit, and batches go on without it', async () => {
    const metrics = new AnnalsMetrics('projector');
    // 50 values, against batches of 100 reports about ~100 pairs of 200 coalitions: full from the
    // first batch, nearly every lookup missed
    const projector = runner(metrics, 50);
    const spread = (count: number) => Array.from({ length: count }, () => randomReport(random, `held-${reportNumber++}`, 200));
    await projector.start();
    try {
      await recorder.record(spread(1_500));
      await caughtUp();
      const [values] = (await metrics.projectionCacheValues.get()).values;
      expect(values).toMatchObject({ labels: { projection: 'coalition-membership@v1' }, value: 0 });
      const judged = await lookups(metrics);
      expect(judged.missed).toBeGreaterThan(judged.held);
      // resting: the next batch looks nothing up in it
      await recorder.record(spread(100));
      await caughtUp();
      expect(await lookups(metrics)).toEqual(judged);
    } finally {
      await projector.stop();
    }
    expect(await failures(metrics)).toBe(0);
    await expectRebuildsRows(5);
  });
});
