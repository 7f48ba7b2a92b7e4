import { createTestDatabase, produce, type TestDatabase } from '@annals/testing';
import { ADMIN_TOKEN, TestSystem } from '../../support/system';

const C = 'coalition-against-isis';

describe('queries: bad input gets a 4xx that names it, never a 500', () => {
  let db: TestDatabase;
  let system: TestSystem;

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    await produce(system.topics.KAFKA_TOPIC, [
      {
        key: C,
        value: JSON.stringify({ id: 'r1', type: 'coalition.member-joined', occurredAt: '2014-09-19', source: { publisher: 'TASS', publishedAt: '2015-12-09' }, data: { coalitionId: C, country: 'FR' } }),
      },
    ]);
    await system.caughtUp();
  });
  afterAll(async () => {
    await system?.close();
    await db.drop();
  });

  const endpoints = ['/coalitions', `/coalitions/${C}`, `/coalitions/${C}/timeline`, `/coalitions/${C}/diff`, '/countries/FR/coalitions'];
  const long = 'x'.repeat(5000);

  it.each(
    endpoints.flatMap((path) => {
      const timeParams = path.endsWith('timeline') || path.endsWith('diff') ? ['from', 'to', 'knownAt'] : ['at', 'knownAt'];
      return timeParams.flatMap((p) => [
        [path, `${p}=2014-13-01`, p],
        [path, `${p}=0000-00-00`, p],
        [path, `${p}=275760-09-13`, p],
        [path, `${p}=yesterday`, p],
        [path, `${p}=2014-09-19T10:00:00`, p],
        [path, `${p}=${long}`, p],
        [path, `${p}=2014-02-30`, p],
      ]);
    }),
  )('%s?%s is a 400 naming %s', async (path, query, param) => {
    const { status, body } = await system.get<{ error: string; message: string }>(`${path}?${query.length > 100 ? query.slice(0, 5000) : query}`);
    expect(status).toBe(400);
    expect(body.error).toBe('bad-request');
    expect(body.message).toContain(`query parameter ${param}`);
  });

  it.each([
    ['/coalitions?limit=5', /unknown query parameter\(s\): "limit"/],
    [`/coalitions/${C}?at=2014-10-01&when=now`, /unknown query parameter\(s\): "when"/],
    [`/coalitions/${C}?at=2014-10-01&at=2014-10-02`, /query parameter at: is given more than once/],
    ['/coalitions/Coalition%20Against%20ISIS', /path parameter id: must match/],
    [`/coalitions/${long}`, /path parameter id/],
    ['/countries/france/coalitions', /path parameter code: must be an upper-case ISO 3166-1 alpha-2/],
    [`/reports/${'r'.repeat(129)}`, /path parameter id: must be at most 128 characters/],
    // PostgreSQL's text cannot hold a NUL: it refused the lookup, and the api answered 500
    ['/reports/r1%00', /^path parameter id: must not contain a NUL character \(\\u0000\)$/],
    [`/coalitions/${C}/timeline?after=r1%00`, /^query parameter after: must not contain a NUL character/],
    ['/reports/r1?verbose=1', /unknown query parameter/],
    // swapped: an empty timeline would read as "nothing happened"
    [`/coalitions/${C}/timeline?from=2014-10-01&to=2014-09-01`, /^query parameter from: is after to \(2014-10-01T00:00:00\.000Z > 2014-09-01T23:59:59\.999Z\)$/],
    [`/coalitions/${C}/timeline?from=2014-09-19T00:00:00.001Z&to=2014-09-19T00:00:00Z`, /^query parameter from: is after to/],
    // both malformed: each named, and the window's own check does not trip over them
    [`/coalitions/${C}/timeline?from=yesterday&to=today`, /^query parameter from: must be YYYY-MM-DD.*; query parameter to: must be YYYY-MM-DD/],
  ])('%s is a 400: %s', async (path, message) => {
    const { status, body } = await system.get<{ error: string; message: string }>(path);
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'bad-request' });
    expect(body.message).toMatch(message);
  });

  it('a timeline window of one instant, or one day, still has its facts', async () => {
    for (const window of ['from=2014-09-19&to=2014-09-19', 'from=2014-09-19T00:00:00Z&to=2014-09-19T00:00:00Z']) {
      const { status, body } = await system.get<{ items: Array<{ reportId: string }> }>(`/coalitions/${C}/timeline?${window}`);
      expect({ window, status, reports: body.items.map((i) => i.reportId) }).toEqual({ window, status: 200, reports: ['r1'] });
    }
  });

  it.each([
    ['/coalitions/no-such-coalition', /no coalition "no-such-coalition"/],
    ['/coalitions/no-such-coalition/timeline', /no coalition/],
    ['/coalitions/no-such-coalition/diff', /no coalition/],
    ['/countries/XX/coalitions', /no country XX/],
    ['/reports/no-such-report', /no report "no-such-report"/],
    ['/no/such/route', /Cannot GET/],
    // a file name at the root that is not one of the timeline page's: the API's 404, not a file's
    ['/no-such-page.js', /Cannot GET/],
  ])('%s is a 404: %s', async (path, message) => {
    const { status, body } = await system.get<{ error: string; message: string }>(path);
    expect({ status, error: body.error }).toEqual({ status: 404, error: 'not-found' });
    expect(body.message).toMatch(message);
  });

  it('an oversize URL or body is refused before it reaches the handlers', async () => {
    const hugeUrl = await fetch(`${system.baseUrl}/coalitions/${C}?at=${'9'.repeat(20_000)}`);
    expect(hugeUrl.status).toBeGreaterThanOrEqual(400);
    expect(hugeUrl.status).toBeLessThan(500);
    const hugeBody = await fetch(`${system.baseUrl}/admin/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ padding: 'x'.repeat(100_000) }),
    });
    expect(hugeBody.status).toBe(413);
    expect(await hugeBody.json()).toEqual({ error: 'payload-too-large', message: 'the request body is too large (the limit is 16 KiB)' });
  });

  it('admin endpoints want the bearer token', async () => {
    expect((await system.post('/admin/replay')).status).toBe(401);
    expect((await system.post('/admin/replay', { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await system.get('/admin/projections', { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
  });

  it('the admin replay refuses what it does not know (a body naming another read model, an unknown field or parameter) instead of starting a rebuild anyway', async () => {
    // 4 calls: the rate limit below counts them (10 a minute)
    const replay = async (body: string, query = '') => {
      const response = await fetch(`${system.baseUrl}/admin/replay${query}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body });
      return { status: response.status, body: (await response.json()) as { error?: string; message?: string; projection?: string } };
    };
    const versions = async () => (await system.get<{ items: unknown[] }>('/admin/projections', { authorization: `Bearer ${ADMIN_TOKEN}` })).body.items.length;
    const before = await versions();
    expect(await replay('{"projection":"coalition-membershp"}')).toEqual({ status: 400, body: { error: 'bad-request', message: 'body parameter projection: unknown projection "coalition-membershp" (known: coalition-membership)' } });
    expect(await replay('{"projection":"coalition-membership","force":true}')).toEqual({ status: 400, body: { error: 'bad-request', message: 'unknown body parameter(s): "force"' } });
    expect(await replay('{}', '?projection=coalition-membership')).toEqual({ status: 400, body: { error: 'bad-request', message: 'unknown query parameter(s): "projection"' } });
    expect(await versions()).toBe(before);
    expect(await replay('{"projection":"coalition-membership"}')).toMatchObject({ status: 202, body: { projection: 'coalition-membership' } });
    const listed = await system.get<{ error: string; message: string }>('/admin/projections?state=active', { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect({ status: listed.status, message: listed.body.message }).toEqual({ status: 400, message: 'unknown query parameter(s): "state"' });
  });

  it('rate-limits the admin replay: at most 10 calls a minute per client, then 429', async () => {
    // earlier tests of this file already called it (refused calls count too: no guessing the token at speed)
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await system.post('/admin/replay', { authorization: `Bearer ${ADMIN_TOKEN}` })).status);
    expect(statuses[0]).toBe(202);
    expect(statuses.filter((s) => s !== 202 && s !== 429)).toEqual([]);
    expect(statuses[statuses.length - 1]).toBe(429);
    const refused = await fetch(`${system.baseUrl}/admin/replay`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // queries are not held back by the admin limit
    expect((await system.get('/coalitions')).status).toBe(200);
  });

  it('sends security headers', async () => {
    const response = await fetch(`${system.baseUrl}/coalitions`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});
