import { PostgresEventStore } from '@annals/event-store';
import { CoalitionQueries } from '@annals/queries';
import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { pagesOf } from '../../support/pages';
import { TestSystem } from '../../support/system';

const C = 'paged-coalition';
const OTHER = 'other-coalition';

interface Page {
  items: Array<{ reportId: string; occurredAt: string; knownAt: string }>;
  next: string | null;
}

/**
 * 31 reports about one coalition, with ties in the fold order at each level: the same valid
 * time, and the same knowledge time too (told apart by store position), given as publishedAt
 * or, without it, the time Annals recorded the report (several reports stored together).
 */
function reports(): string[] {
  const joined = (id: string, country: string, occurredAt: string, publishedAt?: string) =>
    JSON.stringify({ id, type: 'coalition.member-joined', occurredAt, source: { publisher: 'TASS', ...(publishedAt ? { publishedAt } : {}) }, data: { coalitionId: C, country } });
  const countries = ['FR', 'GB', 'DE', 'IT', 'ES', 'NL', 'BE', 'DK', 'NO', 'PL'];
  return [
    JSON.stringify({ id: 'formed', type: 'coalition.formed', occurredAt: '2014-09-05', source: { publisher: 'TASS', publishedAt: '2015-12-09' }, data: { coalitionId: C, name: 'Paged' } }),
    ...countries.map((country, i) => joined(`same-day-same-source-${i}`, country, '2014-09-19', '2015-12-09')),
    ...countries.map((country, i) => joined(`same-day-recorded-${i}`, country, '2014-09-20')),
    ...countries.map((country, i) => joined(`spread-${i}`, country, `2014-10-${String(10 + i).padStart(2, '0')}`, '2015-12-09')),
  ];
}

describe('queries: a timeline comes a page at a time', () => {
  let db: TestDatabase;
  let system: TestSystem;
  const page = (query: string) => system.get<Page>(`/coalitions/${C}/timeline?${query}`);


  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    await system.publish(reports(), C);
    await system.publish([JSON.stringify({ id: 'elsewhere', type: 'coalition.formed', occurredAt: '2014-09-05', source: { publisher: 'TASS' }, data: { coalitionId: OTHER, name: 'Other' } })], OTHER);
  });
  afterAll(async () => {
    await system?.close();
    await db.drop();
  });

  it.each([
    ['the whole timeline', 'knownAt=2030-01-01'],
    ['a window of valid time, as known on the day of the article', 'from=2014-09-19&to=2014-09-30&knownAt=2015-12-09'],
  ])('%s, paged by 1, 4 or 7, is the timeline in one page: the same reports in the same order, each once', async (_what, query) => {
    const whole = await page(`${query}&limit=5000`);
    expect(whole.status).toBe(200);
    expect(whole.body.next).toBeNull();
    expect(whole.body.items.length).toBeGreaterThan(7);
    for (const limit of [1, 4, 7]) {
      const pages = await pagesOf(page, query, limit);
      expect({ limit, reports: pages.flatMap((p) => p.items.map((i) => i.reportId)) }).toEqual({ limit, reports: whole.body.items.map((i) => i.reportId) });
      // full pages until the last, each naming its last report as the next page's start
      for (const p of pages.slice(0, -1)) expect({ limit, size: p.items.length, next: p.next }).toEqual({ limit, size: limit, next: p.items[limit - 1]!.reportId });
      expect(pages[pages.length - 1]!.items.length).toBeGreaterThan(0);
    }
  });

  it('wholeTimeline (annals timeline) follows the pages to the end', async () => {
    const queries = new CoalitionQueries(db.appPool(), new PostgresEventStore(db.appPool()));
    const whole = (await page('knownAt=2030-01-01&limit=5000')).body.items.map((i) => i.reportId);
    for (const pageSize of [1, 4, 5000]) {
      expect({ pageSize, reports: (await queries.wholeTimeline(C, { knownAt: new Date('2030-01-01T23:59:59.999Z') }, pageSize)).map((i) => i.reportId) }).toEqual({ pageSize, reports: whole });
    }
  });

  it('without limit a page holds up to 1000 reports; this timeline is one page', async () => {
    const { status, body } = await page('knownAt=2030-01-01');
    expect({ status, size: body.items.length, next: body.next }).toEqual({ status: 200, size: reports().length, next: null });
  });

  it.each([
    ['after=no-such-report', /^query parameter after: no report "no-such-report" on the timeline of "paged-coalition"$/],
    ['after=elsewhere', /^query parameter after: no report "elsewhere" on the timeline of "paged-coalition"$/],
    ['limit=0', /^query parameter limit: must be an integer from 1 to 5000$/],
    ['limit=5001', /^query parameter limit: must be an integer from 1 to 5000$/],
    ['limit=ten', /^query parameter limit: must be an integer from 1 to 5000$/],
    ['after=', /^query parameter after: must not be empty$/],
  ])('%s is a 400 that names it', async (query, message) => {
    const { status, body } = await system.get<{ error: string; message: string }>(`/coalitions/${C}/timeline?${query}`);
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'bad-request' });
    expect(body.message).toMatch(message);
  });
});
