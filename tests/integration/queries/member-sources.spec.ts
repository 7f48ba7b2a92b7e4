import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { pagesOf } from '../../support/pages';
import { TestSystem } from '../../support/system';

const C = 'sourced-coalition';

interface SourceRef {
  reportId: string;
  publisher: string;
  url: string | null;
  publishedAt: string | null;
}
interface Member {
  country: string;
  since: string;
  sources: SourceRef[];
  sourceCount: number;
}
interface State {
  members: Member[];
}
interface Page {
  country: string;
  since: string;
  items: SourceRef[];
  next: string | null;
}

const report = (id: string, type: string, occurredAt: string, publishedAt: string | undefined, data: Record<string, unknown>) =>
  JSON.stringify({ id, type, occurredAt, source: { publisher: `desk-${id}`, ...(publishedAt ? { publishedAt } : {}) }, data: type === 'report.retracted' ? data : { coalitionId: C, ...data } });
const joined = (id: string, country: string, occurredAt: string, publishedAt?: string) => report(id, 'coalition.member-joined', occurredAt, publishedAt, { country });

/**
 * France: a first membership that ended, then a current one that 13 reports support, with ties in
 * the sources' order (the same valid time, the same knowledge time, a report without publishedAt)
 * and one of them retracted later. Britain: one report. Germany: joined, then left.
 */
function reports(): string[] {
  return [
    report('formed', 'coalition.formed', '2014-09-05', '2015-01-01', { name: 'Sourced' }),
    joined('fr-first', 'FR', '2014-06-01', '2015-01-01'),
    report('fr-left', 'coalition.member-left', '2014-07-01', '2015-01-01', { country: 'FR' }),
    ...Array.from({ length: 5 }, (_, i) => joined(`fr-same-day-${i}`, 'FR', '2014-09-19', '2015-02-01')),
    ...Array.from({ length: 4 }, (_, i) => joined(`fr-recorded-${i}`, 'FR', '2014-09-20')),
    ...Array.from({ length: 4 }, (_, i) => joined(`fr-spread-${i}`, 'FR', `2014-10-${String(10 + i).padStart(2, '0')}`, `2015-0${3 + i}-01`)),
    joined('gb', 'GB', '2014-09-21', '2015-01-01'),
    joined('de', 'DE', '2014-09-01', '2015-01-01'),
    report('de-left', 'coalition.member-left', '2014-09-02', '2015-01-01', { country: 'DE' }),
    report('retraction', 'report.retracted', '2016-01-01', '2016-01-01', { reportId: 'fr-same-day-2' }),
  ];
}

describe("queries: a member's sources, listed in part and in pages", () => {
  let db: TestDatabase;
  let system: TestSystem;
  const AT = 'at=2014-12-31&knownAt=2015-12-31';
  const state = async (query: string) => {
    const { status, body } = await system.get<State>(`/coalitions/${C}?${query}`);
    expect(status).toBe(200);
    return body;
  };
  const member = (body: State, country: string) => body.members.find((m) => m.country === country)!;
  const page = (country: string, query: string) => system.get<Page>(`/coalitions/${C}/members/${country}/sources?${query}`);

  const allPages = (country: string, query: string, limit: number) => pagesOf((q) => page(country, q), query, limit);

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    await system.publish(reports(), C);
  });
  afterAll(async () => {
    await system?.close();
    await db.drop();
  });

  it('without `sources`, every member lists every source and counts them; its current membership only', async () => {
    const fr = member(await state(AT), 'FR');
    expect(fr.since).toBe('2014-09-19T00:00:00.000Z');
    expect(fr.sources.map((s) => s.reportId)).not.toContain('fr-first');
    // as known at the end of 2015: not the four reports without publishedAt, which Annals recorded now
    expect(fr.sources.map((s) => s.reportId)).toEqual([0, 1, 2, 3, 4].map((i) => `fr-same-day-${i}`).concat([0, 1, 2, 3].map((i) => `fr-spread-${i}`)));
    expect(fr.sourceCount).toBe(9);
    expect(member(await state(AT), 'GB')).toMatchObject({ sourceCount: 1, sources: [{ reportId: 'gb', publisher: 'desk-gb' }] });
  });

  it.each([0, 1, 3, 12, 13, 1000])('with sources=%i, each member lists its first ones, in the same order, and still counts them all', async (n) => {
    const whole = await state(AT);
    const listed = await state(`${AT}&sources=${n}`);
    expect(listed.members.map((m) => m.country)).toEqual(whole.members.map((m) => m.country));
    for (const m of whole.members) {
      expect(member(listed, m.country)).toEqual({ ...m, sources: m.sources.slice(0, n) });
    }
  });

  it('a retraction and the knowledge time change the list and its count alike', async () => {
    const before = member(await state('at=2014-12-31&knownAt=2015-02-15&sources=2'), 'FR');
    // as known mid-February 2015: the five same-day reports and the four recorded ones (recorded now, so not yet known then)
    expect(before.sourceCount).toBe(5);
    expect(before.sources.map((s) => s.reportId)).toEqual(['fr-same-day-0', 'fr-same-day-1']);
    const retracted = member(await state('at=2014-12-31&knownAt=2030-01-01&sources=3'), 'FR');
    expect(retracted.sourceCount).toBe(12);
    expect(retracted.sources.map((s) => s.reportId)).toEqual(['fr-same-day-0', 'fr-same-day-1', 'fr-same-day-3']);
  });

  it.each([
    ['as known at the end of 2015', AT],
    ['as known now, after the retraction', 'at=2014-12-31&knownAt=2030-01-01'],
    ['at a valid time inside the membership', 'at=2014-10-11&knownAt=2030-01-01'],
  ])("the member's sources %s, paged by 1, 4 or the maximum, are the state's list: the same reports in the same order, each once", async (_when, query) => {
    const fr = member(await state(query), 'FR');
    for (const limit of [1, 4, 5000]) {
      const pages = await allPages('FR', query, limit);
      expect({ limit, reports: pages.flatMap((p) => p.items) }).toEqual({ limit, reports: fr.sources });
      for (const p of pages) expect(p).toMatchObject({ country: 'FR', since: fr.since });
      for (const p of pages.slice(0, -1)) expect({ limit, size: p.items.length, next: p.next }).toEqual({ limit, size: limit, next: p.items[limit - 1]!.reportId });
    }
  });

  it("a page after the member's last source is empty, the end", async () => {
    const { status, body } = await page('FR', `${AT}&after=fr-spread-3`);
    expect({ status, items: body.items, next: body.next }).toEqual({ status: 200, items: [], next: null });
  });

  it('a member with one source has one page', async () => {
    expect((await page('GB', AT)).body).toEqual({
      id: C,
      country: 'GB',
      at: '2014-12-31T23:59:59.999Z',
      knownAt: '2015-12-31T23:59:59.999Z',
      since: '2014-09-21T00:00:00.000Z',
      items: [{ reportId: 'gb', publisher: 'desk-gb', url: null, publishedAt: '2015-01-01T00:00:00.000Z' }],
      next: null,
    });
  });

  it.each([
    [`/coalitions/${C}?${AT}&sources=-1`, 400, /query parameter sources: must be an integer from 0 to 1000/],
    [`/coalitions/${C}?${AT}&sources=1001`, 400, /query parameter sources: must be an integer from 0 to 1000/],
    [`/coalitions/${C}?${AT}&sources=1e2`, 400, /query parameter sources/],
    [`/coalitions/${C}?${AT}&sources=3&sources=4`, 400, /query parameter sources: is given more than once/],
    [`/coalitions/${C}/members/FR/sources?${AT}&limit=0`, 400, /query parameter limit: must be an integer from 1 to 5000/],
    [`/coalitions/${C}/members/FR/sources?${AT}&sources=3`, 400, /unknown query parameter\(s\): "sources"/],
    [`/coalitions/${C}/members/FR/sources?${AT}&after=gb`, 400, /query parameter after: no report "gb" among the sources of FR/],
    // a report about France, from its membership before this one
    [`/coalitions/${C}/members/FR/sources?${AT}&after=fr-first`, 400, /query parameter after: no report "fr-first" among the sources of FR/],
    // a report about France not yet known then
    [`/coalitions/${C}/members/FR/sources?${AT}&after=fr-recorded-0`, 400, /query parameter after: no report "fr-recorded-0" among the sources of FR/],
    [`/coalitions/${C}/members/fr/sources?${AT}`, 400, /path parameter code: must be an upper-case ISO 3166-1 alpha-2 country code/],
    [`/coalitions/${C}/members/XX/sources?${AT}`, 404, /no country XX/],
    [`/coalitions/no-such-coalition/members/FR/sources?${AT}`, 404, /no coalition "no-such-coalition"/],
    [`/coalitions/${C}/members/DE/sources?${AT}`, 404, /DE is no member of "sourced-coalition" at 2014-12-31T23:59:59.999Z as known at 2015-12-31T23:59:59.999Z/],
    [`/coalitions/${C}/members/IT/sources?${AT}`, 404, /IT is no member/],
    [`/coalitions/${C}/members/FR/sources?at=2014-06-15&knownAt=2014-12-31`, 404, /FR is no member/],
  ])('%s is a %i that says why', async (path, status, message) => {
    const response = await system.get<{ error: string; message: string }>(path);
    expect({ status: response.status, message: response.body.message }).toEqual({ status, message: expect.stringMatching(message) });
  });
});
