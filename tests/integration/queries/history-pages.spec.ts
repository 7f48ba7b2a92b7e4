import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { pagesOf } from '../../support/pages';
import { TestSystem } from '../../support/system';

const C = 'history-coalition';

interface Interval {
  country: string;
  from: string;
  to: string | null;
}
interface Page {
  items: Interval[];
  next: string | null;
}

/**
 * Six countries, each joining and leaving more than once (several intervals per country, which
 * the pages must neither repeat nor skip), one of them known of only later.
 */
function reports(): string[] {
  const report = (id: string, type: string, country: string, occurredAt: string, publishedAt = '2015-12-09') =>
    JSON.stringify({ id, type, occurredAt, source: { publisher: 'TASS', publishedAt }, data: { coalitionId: C, country } });
  const countries = ['FR', 'GB', 'DE', 'IT', 'ES', 'NL'];
  return [
    JSON.stringify({ id: 'formed', type: 'coalition.formed', occurredAt: '2014-09-05', source: { publisher: 'TASS', publishedAt: '2015-12-09' }, data: { coalitionId: C, name: 'Paged history' } }),
    ...countries.flatMap((country, i) => [
      report(`${country}-joins-1`, 'coalition.member-joined', country, `2014-09-${String(10 + i).padStart(2, '0')}`),
      report(`${country}-leaves-1`, 'coalition.member-left', country, `2014-11-${String(10 + i).padStart(2, '0')}`),
      report(`${country}-joins-2`, 'coalition.member-joined', country, `2015-01-${String(10 + i).padStart(2, '0')}`),
    ]),
    report('NL-leaves-2', 'coalition.member-left', 'NL', '2015-03-01'),
    report('NL-joins-3', 'coalition.member-joined', 'NL', '2015-06-01', '2016-02-01'),
  ];
}

describe('queries: a history comes a page at a time', () => {
  let db: TestDatabase;
  let system: TestSystem;
  const page = (query: string) => system.get<Page>(`/coalitions/${C}/history?${query}`);

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    await system.publish(reports(), C);
  });
  afterAll(async () => {
    await system?.close();
    await db.drop();
  });

  it.each([
    ['as known now', 'knownAt=2030-01-01', 13],
    ['as known on the day of the article', 'knownAt=2015-12-09', 12],
  ])('%s, paged by 1, 2 or 5, is the history in one page: the same intervals in the same order, each once', async (_what, query, intervals) => {
    const whole = await page(`${query}&limit=5000`);
    expect(whole.status).toBe(200);
    expect(whole.body.next).toBeNull();
    // two intervals a country (NL a third, known from 2016): what the reports say, not what the pages give
    expect(whole.body.items.length).toBe(intervals);
    const key = (i: Interval) => `${i.country} ${i.from}`;
    expect(whole.body.items.map(key)).toEqual([...whole.body.items.map(key)].sort());
    for (const limit of [1, 2, 5]) {
      const pages = await pagesOf(page, query, limit);
      expect({ limit, items: pages.flatMap((p) => p.items) }).toEqual({ limit, items: whole.body.items });
      // full pages until the last, each naming its last interval as the next page's start
      for (const p of pages.slice(0, -1)) {
        const last = p.items[limit - 1]!;
        expect({ limit, size: p.items.length, next: p.next }).toEqual({ limit, size: limit, next: `${last.country}@${last.from}` });
      }
    }
  });

  it('without limit a page holds up to 1000 intervals; this history is one page', async () => {
    const { status, body } = await page('knownAt=2030-01-01');
    expect({ status, size: body.items.length, next: body.next }).toEqual({ status: 200, size: 13, next: null });
  });

  it('after the last interval, or after a country with none, gives what follows: nothing, or the next countries', async () => {
    expect((await page('knownAt=2030-01-01&after=NL@2015-06-01T00:00:00.000Z')).body).toMatchObject({ items: [], next: null });
    // no JP intervals: the page starts with the country after it
    expect((await page('knownAt=2030-01-01&after=JP@2000-01-01T00:00:00.000Z')).body.items.map((i) => i.country)).toEqual(['NL', 'NL', 'NL']);
  });

  it.each([
    ['after=FR', /^query parameter after: must be a history page's `next`, a country and the start of its interval, like FR@2014-09-19T00:00:00.000Z$/],
    ['after=fr@2014-09-19T00:00:00.000Z', /^query parameter after: must be a history page's `next`/],
    ['after=FR@2014-09-19', /^query parameter after: must be a history page's `next`/],
    ['after=FR@2014-02-30T00:00:00.000Z', /^query parameter after: names no instant \(no such date or time\)$/],
    ['limit=0', /^query parameter limit: must be an integer from 1 to 5000$/],
    ['limit=5001', /^query parameter limit: must be an integer from 1 to 5000$/],
  ])('%s is a 400 that names it', async (query, message) => {
    const { status, body } = await system.get<{ error: string; message: string }>(`/coalitions/${C}/history?knownAt=2030-01-01&${query}`);
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'bad-request' });
    expect(body.message).toMatch(message);
  });

  it('an unknown coalition is a 404, on any page', async () => {
    for (const query of ['knownAt=2030-01-01', 'knownAt=2030-01-01&after=FR@2014-09-19T00:00:00.000Z']) {
      const { status, body } = await system.get<{ error: string; message: string }>(`/coalitions/no-such-coalition/history?${query}`);
      expect({ query, status, body }).toEqual({ query, status: 404, body: { error: 'not-found', message: 'no coalition "no-such-coalition"' } });
    }
  });
});
