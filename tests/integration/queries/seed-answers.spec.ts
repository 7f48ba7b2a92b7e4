import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, produce, type TestDatabase } from '@annals/testing';
import { seedReports, TestSystem } from '../../support/system';

const ROOT = join(__dirname, '../../..');
const C = 'coalition-against-isis';

interface Member {
  country: string;
  since: string;
  roles: Array<{ kind: string; theater: string | null; since: string }>;
  sources: Array<{ reportId: string; publisher: string; url: string | null; publishedAt: string | null }>;
}
interface State {
  id: string;
  name: string | null;
  formedAt: string | null;
  at: string;
  knownAt: string;
  members: Member[];
}

const d = (day: string) => `${day}T00:00:00.000Z`;
const airIraq = (since: string) => [{ kind: 'air-strikes', theater: 'IQ', since: d(since) }];

/** What the article says, written from the article (data/seed/README.md), not from the code. */
const ARTICLE: Record<string, Record<string, { since: string; roles: Member['roles'] }>> = {
  '2014-09-18': { US: { since: '2014-08-08', roles: airIraq('2014-08-08') } },
  '2014-09-20': { US: { since: '2014-08-08', roles: airIraq('2014-08-08') }, FR: { since: '2014-09-19', roles: airIraq('2014-09-19') } },
};
const syria = (kind: string) => ({ kind, theater: 'SY', since: d('2014-09-23') });
const sep24 = {
  ...ARTICLE['2014-09-20']!,
  US: { since: '2014-08-08', roles: [...airIraq('2014-08-08'), syria('air-strikes')] },
  SA: { since: '2014-09-23', roles: [syria('air-strikes')] },
  AE: { since: '2014-09-23', roles: [syria('air-strikes')] },
  JO: { since: '2014-09-23', roles: [syria('air-strikes')] },
  QA: { since: '2014-09-23', roles: [syria('logistics'), syria('military-assistance')] },
  BH: { since: '2014-09-23', roles: [syria('logistics'), syria('military-assistance')] },
};
ARTICLE['2014-09-24'] = sep24;
ARTICLE['2014-10-01'] = { ...sep24, DK: { since: '2014-09-26', roles: airIraq('2014-09-26') }, GB: { since: '2014-09-30', roles: airIraq('2014-09-30') } };
ARTICLE['2014-10-08'] = {
  ...ARTICLE['2014-10-01'],
  AU: { since: '2014-10-05', roles: airIraq('2014-10-05') },
  BE: { since: '2014-10-06', roles: airIraq('2014-10-06') },
  NL: { since: '2014-10-06', roles: airIraq('2014-10-06') },
  CA: { since: '2014-10-07', roles: airIraq('2014-10-07') },
};

describe('queries: the seed article, through the HTTP API', () => {
  let db: TestDatabase;
  let system: TestSystem;

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    await system.publish(seedReports());
  });
  afterAll(async () => {
    await system?.close();
    await db.drop();
  });

  it.each(Object.keys(ARTICLE))('on %s the members, roles and theaters are exactly what the article says', async (at) => {
    const { status, body } = await system.get<State>(`/coalitions/${C}?at=${at}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: C, name: 'International coalition against ISIS', formedAt: d('2014-09-05'), at: `${at}T23:59:59.999Z` });
    const expected = ARTICLE[at]!;
    expect(body.members.map((m) => m.country)).toEqual(Object.keys(expected).sort());
    for (const member of body.members) {
      const want = expected[member.country]!;
      expect({ country: member.country, since: member.since, roles: member.roles }).toEqual({
        country: member.country,
        since: d(want.since),
        roles: [...want.roles].sort((a, b) => a.kind.localeCompare(b.kind) || String(a.theater).localeCompare(String(b.theater))),
      });
      expect(member.sources.length).toBeGreaterThan(0);
      expect(member.sources.every((s) => s.publisher === 'TASS' && s.publishedAt === d('2015-12-09'))).toBe(true);
    }
  });

  it('as known on 2015-12-08, the day before the article, the coalition has no members from these reports', async () => {
    const { status, body } = await system.get<State>(`/coalitions/${C}?at=2014-10-08&knownAt=2015-12-08`);
    expect(status).toBe(200);
    expect(body.members).toEqual([]);
    expect(body.name).toBeNull();
    const known = await system.get<State>(`/coalitions/${C}?at=2014-10-08&knownAt=2015-12-09`);
    expect(known.body.members).toHaveLength(13);
  });

  it('answers the worked examples of docs/semantics.md: diff, a country\'s coalitions, the list, a report, the timeline', async () => {
    expect((await system.get(`/coalitions/${C}/diff?from=2014-09-20&to=2014-10-08`)).body).toEqual({
      joined: ['AE', 'AU', 'BE', 'BH', 'CA', 'DK', 'GB', 'JO', 'NL', 'QA', 'SA'],
      left: [],
    });
    expect((await system.get(`/countries/FR/coalitions?at=2014-10-01`)).body).toEqual({
      items: [{ coalitionId: C, name: 'International coalition against ISIS', since: d('2014-09-19'), roles: airIraq('2014-09-19') }],
    });
    expect((await system.get(`/countries/IT/coalitions?at=2014-10-01`)).body).toEqual({ items: [] });
    const list = await system.get<{ items: Array<{ id: string; memberCount: number }> }>('/coalitions');
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        { id: C, name: 'International coalition against ISIS', formedAt: d('2014-09-05'), memberCount: 13 },
        { id: 'broad-anti-terrorist-coalition', name: null, formedAt: null, memberCount: 0 },
      ]),
    );
    // the list at a point in time: the members counted as the state answers them, the name as known then
    expect((await system.get(`/coalitions?at=2014-10-01&knownAt=2015-12-09`)).body).toEqual({
      at: '2014-10-01T23:59:59.999Z',
      knownAt: '2015-12-09T23:59:59.999Z',
      items: [
        { id: 'broad-anti-terrorist-coalition', name: null, formedAt: null, memberCount: 0 },
        { id: C, name: 'International coalition against ISIS', formedAt: d('2014-09-05'), memberCount: 9 },
      ],
    });
    expect((await system.get<{ items: unknown[] }>(`/coalitions?at=2014-10-01&knownAt=2015-12-08`)).body.items).toEqual([
      { id: 'broad-anti-terrorist-coalition', name: null, formedAt: null, memberCount: 0 },
      { id: C, name: null, formedAt: null, memberCount: 0 },
    ]);
    expect((await system.get(`/coalitions?at=2014-13-01`)).body).toEqual({ error: 'bad-request', message: 'query parameter at: month 13 does not exist' });
    expect((await system.get('/reports/tass-2015-12-09-france-joins')).body).toMatchObject({
      id: 'tass-2015-12-09-france-joins',
      type: 'coalition.member-joined',
      status: 'applied',
      occurredAt: d('2014-09-19'),
      source: { publisher: 'TASS', publishedAt: d('2015-12-09') },
      position: expect.any(Number),
    });
    const timeline = await system.get<{ items: Array<{ occurredAt: string; type: string; country: string | null }> }>(`/coalitions/${C}/timeline?from=2014-09-01&to=2014-09-30`);
    // in fold order; reports with equal valid and knowledge times follow their store positions, which
    // depend on which stream's append committed first: compare those as sets
    const lines = timeline.body.items.map((i) => `${i.occurredAt.slice(0, 10)} ${i.type} ${i.country ?? ''}`.trim());
    expect(lines.map((l) => l.slice(0, 10))).toEqual([...lines.map((l) => l.slice(0, 10))].sort());
    expect([...lines].sort()).toEqual([
      '2014-09-05 coalition.formed',
      '2014-09-05 territory.control-reported SY',
      '2014-09-05 territory.control-reported IQ',
      '2014-09-19 coalition.member-joined FR',
      '2014-09-23 coalition.role-started US',
      '2014-09-23 coalition.member-joined SA',
      '2014-09-23 coalition.member-joined AE',
      '2014-09-23 coalition.member-joined JO',
      '2014-09-23 coalition.member-joined QA',
      '2014-09-23 coalition.member-joined BH',
      '2014-09-26 coalition.member-joined DK',
      '2014-09-30 coalition.member-joined GB',
    ].sort());
  });

  it('the late correction of docs/semantics.md: a later report moves Denmark\'s since for later knowledge times only; a retraction removes its source from then on', async () => {
    const reuters = {
      id: 'reuters-2016-01-10-denmark',
      type: 'coalition.member-joined',
      occurredAt: '2014-09-25',
      source: { publisher: 'Reuters', publishedAt: '2016-01-10' },
      data: { coalitionId: C, country: 'DK' },
    };
    const retraction = {
      id: 'tass-2016-02-01-retraction',
      type: 'report.retracted',
      occurredAt: '2016-02-01',
      source: { publisher: 'TASS', publishedAt: '2016-02-01' },
      data: { reportId: 'tass-2015-12-09-denmark-joins' },
    };
    await produce(system.topics.KAFKA_TOPIC, [reuters, retraction].map((r) => ({ key: C, value: JSON.stringify(r) })));
    await system.caughtUp();
    const denmark = async (at: string, knownAt: string) =>
      (await system.get<State>(`/coalitions/${C}?at=${at}&knownAt=${knownAt}`)).body.members.find((m) => m.country === 'DK');

    expect(await denmark('2014-09-25', '2016-01-09')).toBeUndefined();
    expect(await denmark('2014-09-25', '2016-01-10')).toMatchObject({ since: d('2014-09-25'), sources: [{ reportId: reuters.id }] });
    expect((await denmark('2014-09-27', '2016-01-10'))!.sources.map((s) => s.publisher)).toEqual(['Reuters', 'TASS']);
    expect((await denmark('2014-09-27', '2016-01-31'))!.sources.map((s) => s.publisher)).toEqual(['Reuters', 'TASS']);
    expect((await denmark('2014-09-27', '2016-02-01'))!.sources.map((s) => s.publisher)).toEqual(['Reuters']);
    expect((await system.get('/reports/tass-2015-12-09-denmark-joins')).body).toMatchObject({ status: 'retracted', retractedBy: retraction.id });
  });

  it('/metrics exports ingestion, dead letters, projection lag, skipped events and request latency in Prometheus format', async () => {
    await system.get(`/coalitions/${C}?at=2014-10-01`);
    const { status, body } = await system.get<string>('/metrics');
    expect(status).toBe(200);
    const value = (line: RegExp) => Number((body.match(line) ?? [])[1]);
    expect(value(/^annals_events_stored\{[^}]*\} (\d+)$/m)).toBeGreaterThanOrEqual(20);
    expect(value(/^annals_dead_letters\{[^}]*\} (\d+)$/m)).toBe(0);
    // every published report committed by the ingestors
    expect(value(/^annals_ingest_lag_messages\{[^}]*\} (\d+)$/m)).toBe(0);
    expect(value(/^annals_projection_lag_events\{[^}]*projection="coalition-membership@v1"[^}]*\} (\d+)$/m)).toBe(0);
    expect(body).toMatch(/^annals_projection_lag_seconds\{/m);
    // the seed's reports all came through the ingestor: the read model could read every one
    expect(value(/^annals_projection_skipped_events\{[^}]*projection="coalition-membership@v1"[^}]*\} (\d+)$/m)).toBe(0);
    expect(body).toMatch(/^annals_http_request_seconds_bucket\{[^}]*route="\/coalitions\/:id"[^}]*status="200"/m);
  });

  it('the ingestor serves its own /metrics: every message it took, counted once by outcome', async () => {
    const response = await fetch(system.ingestorMetricsUrl);
    expect(response.status).toBe(200);
    const body = await response.text();
    const outcome = (name: string) => Number((body.match(new RegExp(`^annals_messages_ingested_total\\{[^}]*outcome="${name}"[^}]*\\} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
    // this suite published the seed and two more reports, all valid, without faults
    expect(outcome('stored') + outcome('duplicate') + outcome('dead-lettered')).toBe(seedReports().length + 2);
    expect(outcome('dead-lettered')).toBe(0);
    expect(body).toMatch(/^annals_ingest_batch_seconds_count\{/m);
  });

  it('the projector serves its own /metrics: every stored event applied, once, by committed batches; each app exports only its own figures', async () => {
    const body = await (await fetch(system.projectorMetricsUrl)).text();
    const value = (line: RegExp) => Number((body.match(line) ?? [])[1]);
    const { rows } = await db.appPool().query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events');
    expect(value(/^annals_projection_events_applied_total\{[^}]*projection="coalition-membership@v1"[^}]*\} (\d+)$/m)).toBe(rows[0]!.n);
    expect(value(/^annals_projection_batch_seconds_count\{[^}]*projection="coalition-membership@v1"[^}]*\} (\d+)$/m)).toBeGreaterThan(0);
    // the pairs it holds in memory between batches (PROJECTOR_CACHE_SIZE), and how often a batch found one there
    expect(value(/^annals_projection_cache_values\{[^}]*projection="coalition-membership@v1"[^}]*\} (\d+)$/m)).toBeGreaterThan(0);
    expect(value(/^annals_projection_cache_lookups_total\{[^}]*outcome="missed"[^}]*\} (\d+)$/m)).toBeGreaterThan(0);
    // no batch failed in this suite: the counter has no series yet
    expect(body).not.toMatch(/^annals_projection_batch_failures_total\{/m);
    expect(body).not.toMatch(/^# HELP annals_(messages|ingest|http|events_stored|dead_letters|source_up)/m);

    const ingestor = await (await fetch(system.ingestorMetricsUrl)).text();
    expect(ingestor).not.toMatch(/^# HELP annals_(projection|http|events_stored|dead_letters|source_up)/m);
    const api = (await system.get<string>('/metrics')).body;
    expect(api).not.toMatch(/^# HELP annals_(messages|ingest_batch|ingest_transient|projection_events_applied|projection_batch)/m);
  });

  it("the ingestor and the projector are live and ready on their METRICS_PORT: the consumer in its group, PostgreSQL answering", async () => {
    const health = async (metricsUrl: string, path: string) => {
      const response = await fetch(metricsUrl.replace(/\/metrics$/, path));
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await health(system.ingestorMetricsUrl, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await health(system.ingestorMetricsUrl, '/health/ready')).toEqual({
      status: 200,
      // the test topics have 3 partitions, all this suite's one ingestor's
      body: { status: 'ok', consumer: 'consuming', group: system.topics.KAFKA_GROUP_ID, partitions: 3 },
    });
    expect(await health(system.projectorMetricsUrl, '/health/ready')).toEqual({ status: 200, body: { status: 'ok', postgres: 'up', versions: [{ version: 1, state: 'live' }] } });
  });

  it('the CLI twins print the same answers as readable tables', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), ...args, '--database-url', db.appUrl], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const state = run('state', C, '--at', '2014-09-20');
    expect(state.status).toBe(0);
    expect(state.stdout).toMatch(/International coalition against ISIS \(formed 2014-09-05\): 2 member\(s\) at 2014-09-20T23:59:59.999Z/);
    expect(state.stdout).toMatch(/^FR\s+2014-09-19\s+air-strikes in IQ \(2014-09-19\)\s+TASS 2015-12-09$/m);
    expect(state.stdout).toMatch(/^US\s+2014-08-08\s+air-strikes in IQ \(2014-08-08\)/m);
    const timeline = run('timeline', C, '--to', '2014-09-06');
    expect(timeline.status).toBe(0);
    expect(timeline.stdout).toMatch(/2014-08-08\s+coalition\.role-started\s+US\s+air-strikes in IQ\s+tass-2015-12-09-us-air-strikes-iraq/);
    const bad = run('state', C, '--at', '2014-13-01');
    expect(bad.status).toBe(1);
    // the message alone, naming the option: no stack trace
    expect(bad.stderr.trim()).toMatch(/^annals: --at: month 13 does not exist$/);
    // named as typed, in each command
    expect(run('timeline', C, '--known-at', '2014-13-01').stderr.trim()).toBe('annals: --known-at: month 13 does not exist');
    const verify = run('verify');
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^intact: \d+ events in \d+ streams verified/);
  });
});
