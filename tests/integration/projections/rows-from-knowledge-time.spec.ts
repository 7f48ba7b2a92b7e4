import type { Pool } from 'pg';
import { inTransaction } from '@annals/database';
import { checkpointOf, PostgresEventStore, START, type StoredEvent } from '@annals/event-store';
import { CoalitionMembershipProjection, PairCache } from '@annals/projections';
import { createTestDatabase, rng, type TestDatabase } from '@annals/testing';
import { deskReport, randomReport, type Report } from '../../support/news-factory';
import { membershipRowsOf, rebuildVersion } from '../../support/read-model-rows';
import { ReportRecorder } from '../../support/record-reports';

/**
 * A live batch reads, of each pair it touches, only the stored rows that its new facts can
 * change: those still known at the earliest knowledge time among them. Rows that ended earlier
 * are left as they are. Whatever the batches, the rows must be the rebuild's, which computes
 * every pair once from all its facts.
 */
describe('projection: a live batch rewrites a pair from its new facts’ knowledge time', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let recorder: ReportRecorder;
  const projection = new CoalitionMembershipProjection();

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 4 });
    store = new PostgresEventStore(pool);
    recorder = new ReportRecorder(store, 'rows-from');
  });
  afterAll(() => db.drop());

  /** Records the reports in this order; returns their stored events. */
  const record = (reports: Report[]): Promise<StoredEvent[]> => recorder.record(reports);
  const rowsOf = (version: number, coalition?: string) => membershipRowsOf(pool, version, coalition);
  /** The rebuild's path over every stored event, on a version of its own. */
  const rebuilt = (version: number) => rebuildVersion(pool, store, version);

  it('merges a row that ended exactly where the new facts are known, when they undo what ended it', async () => {
    await pool.query('SELECT read_model.create_version_partitions(10)');
    const data = { coalitionId: 'coalition-undo', country: 'FR' };
    const first = await record([
      deskReport('undo-joined', 'coalition.member-joined', '2014-09-19', '2014-09-20', data),
      deskReport('undo-role', 'coalition.role-started', '2014-10-01', '2014-11-01', { ...data, role: { kind: 'air-strikes', theater: 'IQ' } }),
    ]);
    await inTransaction(pool, (tx) => projection.apply(first, tx, 10, 'live'));
    // the row known until 2014-11-01 ends there, where the role started
    expect((await rowsOf(10, 'coalition-undo')).some((row) => /\["2014-09-20 [^,]*","2014-11-01 /.test(row))).toBe(true);

    // known the same day, later in the fold: the role ends where it started
    const second = await record([deskReport('undo-role-ended', 'coalition.role-ended', '2014-10-01', '2014-11-01', { ...data, role: { kind: 'air-strikes', theater: 'IQ' } })]);
    await inTransaction(pool, (tx) => projection.apply(second, tx, 10, 'live'));

    await rebuilt(11);
    const rows = await rowsOf(10, 'coalition-undo');
    expect(rows).toEqual(await rowsOf(11, 'coalition-undo'));
    // one row: a member from 2014-09-19, as known from 2014-09-20 on
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/\["2014-09-19 [^,]*",\) \["2014-09-20 [^,]*",\)/);
  });

  it('gives the rows the rebuild computes, over many small batches of late, early, repeated and retracted reports, its pairs read on the transaction\'s connection or beside it', async () => {
    await pool.query('SELECT read_model.create_version_partitions(20)');
    const random = rng(47);
    // 200 pairs, some 15 facts each; every 15th report a retraction, of a report before or
    // after it (some retracted before they arrive), some published before what they retract
    const reports: Report[] = Array.from({ length: 3000 }, (_, i) =>
      i % 15 === 14
        ? deskReport(
            `many-${i}`,
            'report.retracted',
            '2016-01-01',
            new Date(Date.UTC(2015, 0, 1) + Math.floor(random() * 900) * 86_400_000).toISOString().slice(0, 10),
            { reportId: `many-${Math.floor(random() * 3000)}` },
          )
        : randomReport(random, `many-${i}`, 10),
    );
    // half the reports arrive in publication order (each batch's facts known late), half at random
    const ordered = reports.slice(0, 1500).sort((a, b) => (a.source.publishedAt ?? '9').localeCompare(b.source.publishedAt ?? '9'));
    const stored = await record([...ordered, ...reports.slice(1500)]);
    for (let i = 0; i < stored.length; i += 250) await inTransaction(pool, (tx) => projection.apply(stored.slice(i, i + 250), tx, 20, 'live'));
    // the same batches with the pairs read on the pool's other connections, as the projector
    // reads them (readPairsBeside: they see the committed facts, the batch adds its own)
    await pool.query('SELECT read_model.create_version_partitions(22)');
    for (let i = 0; i < stored.length; i += 250) await inTransaction(pool, (tx) => projection.apply(stored.slice(i, i + 250), tx, 22, 'live', { readsBeside: pool }));

    // and as the projector applies them, holding what its batches committed of each pair
    // (PairCache): a batch reads back only what it does not hold
    await pool.query('SELECT read_model.create_version_partitions(23)');
    const cache = new PairCache();
    let from = START;
    for (let i = 0; i < stored.length; i += 250) {
      const batch = stored.slice(i, i + 250);
      cache.begin(from);
      await inTransaction(pool, (tx) => projection.apply(batch, tx, 23, 'live', { readsBeside: i % 500 === 0 ? pool : undefined, cache }));
      from = checkpointOf(batch.at(-1)!);
      cache.commit(from);
    }
    expect(cache.size.pairs).toBeGreaterThan(150);

    const { rows: shares } = await pool.query<{ retracted: number }>('SELECT count(*) FILTER (WHERE retracted_at IS NOT NULL)::int AS retracted FROM read_model.facts WHERE version = 20');
    expect(shares[0]!.retracted).toBeGreaterThan(100);
    await rebuilt(21);
    // the rebuild also holds the first test's pair
    const many = (rows: string[]) => rows.filter((row) => /^coalition-\d /.test(row));
    const live = await rowsOf(20);
    expect(live.length).toBeGreaterThan(2000);
    expect(live).toEqual(many(await rowsOf(21)));
    expect(await rowsOf(22)).toEqual(live);
    expect(await rowsOf(23)).toEqual(live);
  });

  it('rewrites no row of a pair whose facts did not change: stored rows are read back exactly as they were computed', async () => {
    // every row rewritten is another GiST insert and a dead tuple: a recomputation that finds the
    // same rows (open and closed ranges, roles with their instants) must delete and insert none
    const ctids = async (version: number) =>
      (await pool.query<{ ctid: string }>('SELECT ctid::text AS ctid FROM read_model.membership WHERE version = $1 ORDER BY ctid', [version])).rows.map((r) => r.ctid);
    const { rows: pairs } = await pool.query<{ coalition_id: string; country: string }>(
      'SELECT DISTINCT coalition_id, country FROM read_model.membership WHERE version = 20',
    );
    const before = await ctids(20);
    expect(before.length).toBeGreaterThan(2000);
    await inTransaction(pool, (tx) => projection.recompute(pairs.map((p) => [p.coalition_id, p.country] as const), tx, 20));
    expect(await ctids(20)).toEqual(before);
  });
});
