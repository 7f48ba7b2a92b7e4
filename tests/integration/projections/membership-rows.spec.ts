import { Pool } from 'pg';
import { createTestDatabase, produce, type TestDatabase } from '@annals/testing';
import { TestSystem } from '../../support/system';
import { deskReport as report, message } from '../../support/news-factory';

interface StoredRow {
  xmin: string;
  known_from: Date;
  known_to: Date | null;
}

/**
 * The live projection recomputes a pair's rows from all its facts, and writes back only the
 * rows that changed: a report known after the others leaves every row that ended before its
 * knowledge time as it was (same row version, no GiST insert, no dead tuple).
 */
describe('projection: the membership rows a new report rewrites', () => {
  let db: TestDatabase;
  let system: TestSystem;
  let pool: Pool;

  const rowsOfPair = async () =>
    (
      await pool.query<StoredRow>(
        `SELECT m.xmin::text AS xmin, lower(m.known) AS known_from, upper(m.known) AS known_to
           FROM read_model.membership m JOIN read_model.versions v ON v.version = m.version AND v.state = 'active'
          WHERE m.coalition_id = 'coalition-rows' AND m.country = 'FR' ORDER BY lower(m.known), lower(m.valid)`,
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    pool = new Pool({ connectionString: db.appUrl, max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await system?.close();
    await db.drop();
  });

  it('rows that ended before the new knowledge time keep their row version; the answers change from it on', async () => {
    await produce(system.topics.KAFKA_TOPIC, [
      message(report('rows-joined', 'coalition.member-joined', '2014-09-19', '2014-09-20', { coalitionId: 'coalition-rows', country: 'FR' })),
    ]);
    await system.caughtUp();
    await produce(system.topics.KAFKA_TOPIC, [
      message(report('rows-role', 'coalition.role-started', '2014-10-01', '2014-10-05', { coalitionId: 'coalition-rows', country: 'FR', role: { kind: 'air-strikes', theater: 'IQ' } })),
    ]);
    await system.caughtUp();
    const before = await rowsOfPair();
    const closed = before.filter((r) => r.known_to !== null && r.known_to.getTime() <= Date.parse('2016-03-01'));
    expect(closed.length).toBeGreaterThan(0); // the rows known only until the role's report

    await produce(system.topics.KAFKA_TOPIC, [
      message(report('rows-left', 'coalition.member-left', '2015-06-01', '2016-03-01', { coalitionId: 'coalition-rows', country: 'FR' })),
    ]);
    await system.caughtUp();
    const after = await rowsOfPair();
    for (const row of closed) expect(after).toContainEqual(row);
    expect(after.length).toBeGreaterThan(before.length);

    const member = async (knownAt: string) =>
      ((await system.get<{ members: Array<{ country: string }> }>(`/coalitions/coalition-rows?at=2015-07-01&knownAt=${knownAt}`)).body.members ?? []).map((m) => m.country);
    expect(await member('2016-02-01')).toEqual(['FR']);
    expect(await member('2016-03-02')).toEqual([]);
    expect(await member('2014-09-21')).toEqual(['FR']);
  });
});
