import type { Pool } from 'pg';
import { validateNewsEvent, type NewsEvent } from '@annals/contracts';
import { PostgresEventStore } from '@annals/event-store';
import { ReportWriter } from '@annals/ingestion/report-writer/report-writer';
import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { deskReport, type Report } from '../../support/news-factory';

/**
 * A writer started on streams written before (an ingestor after a restart) knows nothing until
 * it reads them, and it reads only the events' headers (keys and metadata, not payloads). What
 * it decides must be what the writer that wrote them would have decided: a redelivery is a
 * duplicate, a reused id with other content a conflict, a repeated fact a corroboration of the
 * report that stated it first -- however long the stream.
 */
describe('ingestion: a writer started on streams written before', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  const provenance = { topic: 'restart', partition: 0, offset: '0' };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 4 });
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  const parsed = (report: Report): NewsEvent => {
    const result = validateNewsEvent(report);
    if (!result.ok) throw new Error(result.rejection.detail);
    return result.event;
  };
  // a day of valid time per report: every report a fact of its own
  const joined = (id: string, day: number, coalitionId = 'coalition-long') =>
    parsed(deskReport(id, 'coalition.member-joined', new Date(Date.UTC(2000, 0, 1) + day * 86_400_000).toISOString().slice(0, 10), '2020-01-01', { coalitionId, country: 'FR' }));
  const storedData = async (id: string) =>
    (await pool.query<{ payload: { corroborates?: string } }>('SELECT payload FROM event_store.events WHERE idempotency_key = $1', [id])).rows[0]?.payload;

  it('knows every report and first fact of a stream longer than one read, and appends after its last version', async () => {
    // more events than one read of the state takes (5,000), so the fold goes over two
    const count = 6_200;
    const first = new ReportWriter(store, { maxEventsPerAppend: 1000 });
    const outcomes = await Promise.all(Array.from({ length: count }, (_, i) => first.record(joined(`long-${i}`, i), provenance)));
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);

    const restarted = new ReportWriter(store);
    const [early, late, reused, repeatEarly, repeatLate, fresh] = await Promise.all([
      // redeliveries of the stream's first and last reports
      restarted.record(joined('long-0', 0), provenance),
      restarted.record(joined(`long-${count - 1}`, count - 1), provenance),
      // an id the stream holds, with other content
      restarted.record(joined('long-17', 99_999), provenance),
      // new reports of facts stated on the first and the second page of the stream
      restarted.record(joined('again-early', 3), provenance),
      restarted.record(joined('again-late', count - 2), provenance),
      restarted.record(joined('new-fact', count + 10), provenance),
    ]);
    expect(early).toMatchObject({ status: 'duplicate' });
    expect(late).toMatchObject({ status: 'duplicate' });
    expect(reused).toMatchObject({ status: 'rejected', rejection: { reason: 'id-conflict' } });
    expect(repeatEarly).toMatchObject({ status: 'stored', streamId: 'coalition:coalition-long' });
    expect(repeatLate).toMatchObject({ status: 'stored', streamId: 'coalition:coalition-long' });
    expect(fresh).toMatchObject({ status: 'stored', streamId: 'coalition:coalition-long' });
    expect((await storedData('again-early'))?.corroborates).toBe('long-3');
    expect((await storedData('again-late'))?.corroborates).toBe(`long-${count - 2}`);
    expect((await storedData('new-fact'))?.corroborates).toBeUndefined();
    // appended right after the stream's last version: no version skipped or taken twice
    const versions = [repeatEarly, repeatLate, fresh].map((o) => (o.status === 'stored' ? o.streamVersion : 0)).sort((a, b) => a - b);
    expect(versions).toEqual([count + 1, count + 2, count + 3]);
  });

  it('reads what another writer appended since it last wrote, and decides against it', async () => {
    const a = new ReportWriter(store);
    const b = new ReportWriter(store);
    expect(await a.record(joined('shared-1', 1, 'coalition-shared'), provenance)).toMatchObject({ status: 'stored', streamVersion: 1 });
    // b's state of the stream is cached now, and a appends behind its back
    expect(await b.record(joined('shared-2', 2, 'coalition-shared'), provenance)).toMatchObject({ status: 'stored', streamVersion: 2 });
    expect(await a.record(joined('shared-3', 3, 'coalition-shared'), provenance)).toMatchObject({ status: 'stored', streamVersion: 3 });
    // b's append conflicts; it reads version 3 and finds shared-3, as a fact and as a report
    const [repeat, redelivery] = await Promise.all([
      b.record(joined('shared-4', 3, 'coalition-shared'), provenance),
      b.record(joined('shared-3', 3, 'coalition-shared'), provenance),
    ]);
    expect(repeat).toMatchObject({ status: 'stored', streamVersion: 4 });
    expect(redelivery).toMatchObject({ status: 'duplicate' });
    expect((await storedData('shared-4'))?.corroborates).toBe('shared-3');
  });

  it('decides redeliveries and reused ids from what it read back, without an append', async () => {
    // after a crash, Kafka redelivers what was stored but not committed: those must cost a read, not a write
    const first = new ReportWriter(store);
    for (const i of [0, 1, 2]) expect(await first.record(joined(`redelivered-${i}`, i, 'coalition-redelivered'), provenance)).toMatchObject({ status: 'stored' });
    const restarted = new ReportWriter(store);
    const appends = [jest.spyOn(store, 'append'), jest.spyOn(store, 'appendMany')];
    try {
      const outcomes = await Promise.all([
        ...[0, 1, 2].map((i) => restarted.record(joined(`redelivered-${i}`, i, 'coalition-redelivered'), provenance)),
        restarted.record(joined('redelivered-1', 77, 'coalition-redelivered'), provenance),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'rejected']);
      for (const spy of appends) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of appends) spy.mockRestore();
    }
  });
});
