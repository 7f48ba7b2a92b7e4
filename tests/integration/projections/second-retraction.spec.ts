import { createTestDatabase, produce, type TestDatabase } from '@annals/testing';
import { TestSystem } from '../../support/system';
import { deskReport as report, message } from '../../support/news-factory';

/**
 * A report retracted twice is retracted from the earlier retraction's knowledge time on
 * (docs/semantics.md), whichever retraction arrives last and in whichever batch: a later
 * retraction arriving in a batch of its own must not move the retraction later.
 */
describe('projection: a second, later retraction of a retracted report', () => {
  let db: TestDatabase;
  let system: TestSystem;

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
  });
  afterAll(async () => {
    await system?.close();
    await db.drop();
  });

  const members = async (knownAt: string) =>
    ((await system.get<{ members: Array<{ country: string }> }>(`/coalitions/coalition-twice?at=2014-10-01&knownAt=${knownAt}`)).body.members ?? []).map((m) => m.country);

  it('keeps the earlier retraction time', async () => {
    await produce(system.topics.KAFKA_TOPIC, [
      message(report('twice-formed', 'coalition.formed', '2014-09-01', '2014-09-02', { coalitionId: 'coalition-twice', name: 'Twice' })),
      message(report('twice-joined', 'coalition.member-joined', '2014-09-19', '2014-09-20', { coalitionId: 'coalition-twice', country: 'FR' })),
    ]);
    await system.caughtUp();
    await produce(system.topics.KAFKA_TOPIC, [message(report('twice-retraction-1', 'report.retracted', '2015-01-01', '2015-01-01', { reportId: 'twice-joined' }))]);
    await system.caughtUp();
    expect(await members('2014-12-31')).toEqual(['FR']);
    expect(await members('2015-06-01')).toEqual([]);

    await produce(system.topics.KAFKA_TOPIC, [message(report('twice-retraction-2', 'report.retracted', '2016-01-01', '2016-01-01', { reportId: 'twice-joined' }))]);
    await system.caughtUp();
    expect(await members('2014-12-31')).toEqual(['FR']);
    expect(await members('2015-06-01')).toEqual([]);
    expect(await members('2016-06-01')).toEqual([]);
    const { body } = await system.get<{ retractedBy: string | null }>('/reports/twice-joined');
    expect(body.retractedBy).toBe('twice-retraction-1');
  });
});
