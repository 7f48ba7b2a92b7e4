import { Pool } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { CoalitionQueries } from '@annals/queries';
import { createTestDatabase, produce, type TestDatabase } from '@annals/testing';
import { TestSystem } from '../../support/system';
import { deskReport as report, message, type Report } from '../../support/news-factory';

/**
 * How much of the read model a point-in-time question reads. A question about one member must
 * not read the rest of the coalition's log: a coalition's name and formation come from its
 * `coalition.formed` reports, and looking for those among all of its facts made every state,
 * history, timeline and diff question, and the coalition list, grow with the log.
 * Counted with pg_stat_xact_user_tables: the rows PostgreSQL fetched from the facts table
 * within the question's transaction.
 */
describe('queries: what a question reads', () => {
  let db: TestDatabase;
  let system: TestSystem;
  let pool: Pool;
  let queries: CoalitionQueries;
  const BUSY_FACTS = 400;

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    const reports: Report[] = [
      report('busy-fr-joins', 'coalition.member-joined', '2014-09-19', '2014-09-20', { coalitionId: 'coalition-busy', country: 'FR' }),
      // many timeline facts of the coalition, none of them a formation
      ...Array.from({ length: BUSY_FACTS }, (_, i) =>
        report(`busy-meeting-${i}`, 'diplomacy.meeting', '2014-10-01', '2014-10-02', { participants: ['FR', 'US'], topics: [`round ${i}`], coalitionId: 'coalition-busy' }),
      ),
      // a formation that occurred before all of them, published later than some questions' knownAt
      report('named-formed', 'coalition.formed', '2014-09-05', '2014-10-05', { coalitionId: 'coalition-named', name: 'Named coalition' }),
      report('named-dk-joins', 'coalition.member-joined', '2014-09-25', '2014-09-26', { coalitionId: 'coalition-named', country: 'DK' }),
    ];
    await produce(system.topics.KAFKA_TOPIC, reports.map(message));
    await system.caughtUp();
    pool = new Pool({ connectionString: db.appUrl, max: 1 }); // one connection: the transaction's statistics are its own
    queries = new CoalitionQueries(pool, new PostgresEventStore(pool));
  });
  afterAll(async () => {
    await pool?.end();
    await system?.close();
    await db.drop();
  });

  /** Runs a question in a transaction of its own; the facts rows PostgreSQL fetched for it. */
  async function factsRowsRead<T>(question: () => Promise<T>): Promise<{ answer: T; rows: number }> {
    await pool.query('BEGIN');
    try {
      const answer = await question();
      const { rows } = await pool.query<{ n: string }>(
        `SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) AS n
           FROM pg_stat_xact_user_tables WHERE schemaname = 'read_model' AND relname LIKE 'facts%'`,
      );
      return { answer, rows: Number(rows[0]!.n) };
    } finally {
      await pool.query('COMMIT');
    }
  }

  it('the state of a coalition with a long log reads its member and its sources, not the log', async () => {
    const { answer, rows } = await factsRowsRead(() => queries.state('coalition-busy', new Date('2015-01-01'), new Date('2015-01-01')));
    expect(answer).toMatchObject({ name: null, formedAt: null, members: [{ country: 'FR', sources: [{ reportId: 'busy-fr-joins' }] }] });
    expect(rows).toBeLessThan(10);
  });

  it('the coalition list reads no log either', async () => {
    const { answer, rows } = await factsRowsRead(() => queries.list(new Date('2015-01-01'), new Date('2015-01-01')));
    expect(answer.items.map((c) => [c.id, c.name, c.memberCount])).toEqual([
      ['coalition-busy', null, 1],
      ['coalition-named', 'Named coalition', 1],
    ]);
    expect(rows).toBeLessThan(10);
  });

  it('the name still comes from the first formation report known at knownAt', async () => {
    const before = await queries.state('coalition-named', new Date('2014-10-01'), new Date('2014-09-30'));
    expect(before).toMatchObject({ name: null, formedAt: null, members: [{ country: 'DK' }] });
    const after = await queries.state('coalition-named', new Date('2014-10-01'), new Date('2014-10-10'));
    expect(after).toMatchObject({ name: 'Named coalition', formedAt: '2014-09-05T00:00:00.000Z', members: [{ country: 'DK' }] });
  });
});
