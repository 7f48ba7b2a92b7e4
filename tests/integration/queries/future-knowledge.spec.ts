import { readDeadLetters } from '@annals/ingestion';
import { createTestDatabase, produce, testKafka, type TestDatabase } from '@annals/testing';
import { TestSystem } from '../../support/system';

const C = 'embargo-coalition';

describe('queries: knowledge time is at most now', () => {
  let db: TestDatabase;
  let system: TestSystem;
  const started = new Date();

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    const report = (id: string, country: string, publishedAt: string) =>
      JSON.stringify({ id, type: 'coalition.member-joined', occurredAt: '2014-09-19', source: { publisher: 'TASS', publishedAt }, data: { coalitionId: C, country } });
    await system.publish(
      [
        JSON.stringify({ id: 'formed', type: 'coalition.formed', occurredAt: '2014-09-05', source: { publisher: 'TASS', publishedAt: '2014-09-06' }, data: { coalitionId: C, name: 'Embargo' } }),
        report('published', 'FR', '2015-12-09'),
        // a story sent ahead of its publication (an embargo): stored now, known in 30 days
        report('embargoed', 'ES', new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)),
      ],
      C,
    );
  });
  afterAll(async () => {
    await system?.close();
    await db.drop();
  });

  it('a question "as known" later than now is answered as known now: no report is revealed before its publication', async () => {
    const state = await system.get<{ knownAt: string; members: Array<{ country: string }> }>(`/coalitions/${C}?at=2014-10-01&knownAt=3000-01-01`);
    expect(state.status).toBe(200);
    expect(state.body.members.map((m) => m.country)).toEqual(['FR']);
    // the answer says which knowledge time it used
    expect(Date.parse(state.body.knownAt)).toBeGreaterThanOrEqual(started.getTime());
    expect(Date.parse(state.body.knownAt)).toBeLessThanOrEqual(Date.now());

    const timeline = await system.get<{ items: Array<{ reportId: string }> }>(`/coalitions/${C}/timeline?knownAt=3000-01-01`);
    expect(timeline.body.items.map((i) => i.reportId)).toEqual(['formed', 'published']);
    const history = await system.get<{ items: Array<{ country: string }> }>(`/coalitions/${C}/history?knownAt=3000-01-01`);
    expect(history.body.items.map((i) => i.country)).toEqual(['FR']);
    const spain = await system.get<{ items: unknown[] }>('/countries/ES/coalitions?at=2014-10-01&knownAt=3000-01-01');
    expect(spain.body.items).toEqual([]);
    const diff = await system.get<{ joined: string[] }>(`/coalitions/${C}/diff?from=2014-09-01&to=2014-10-01&knownAt=3000-01-01`);
    expect(diff.body.joined).toEqual(['FR']);
  });

  it('a knowledge time in the past is taken as given', async () => {
    const state = await system.get<{ knownAt: string; members: unknown[] }>(`/coalitions/${C}?at=2014-10-01&knownAt=2015-12-08`);
    expect({ knownAt: state.body.knownAt, members: state.body.members }).toEqual({ knownAt: '2015-12-08T23:59:59.999Z', members: [] });
  });

  it('a publishedAt more than a year ahead (a mistyped year) is refused as invalid-date, naming it, rather than hidden for decades', async () => {
    await produce(system.topics.KAFKA_TOPIC, [
      {
        key: C,
        value: JSON.stringify({ id: 'typo', type: 'coalition.member-joined', occurredAt: '2015-12-01', source: { publisher: 'TASS', publishedAt: '2105-12-09' }, data: { coalitionId: C, country: 'IT' } }),
      },
    ]);
    await system.caughtUp();
    expect((await system.get('/reports/typo')).status).toBe(404);
    const letters = await readDeadLetters(testKafka(), system.topics.KAFKA_DLQ_TOPIC);
    expect(letters.map((l) => [l.reason, l.detail])).toEqual([['invalid-date', expect.stringMatching(/^source\.publishedAt: 2105-12-09T00:00:00\.000Z is \d+ days after the report reached Annals \(.*\); an embargo holds a report back at most 366 days: a mistyped year\?$/)]]);
    // the embargo of 30 days was taken
    expect((await system.get('/reports/embargoed')).status).toBe(200);
  });
});
