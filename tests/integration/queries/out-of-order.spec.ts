import { memberStateAt, type MembershipFact } from '@annals/domain';
import { createTestDatabase, produce, type TestDatabase } from '@annals/testing';
import { TestSystem } from '../../support/system';
import { randomReport, rng, type Report } from '../../support/news-factory';

interface State {
  members: Array<{ country: string; since: string; roles: Array<{ kind: string; theater: string | null; since: string }>; sources: Array<{ reportId: string }> }>;
}

/** Reports about 3 coalitions: random facts, corroborations by other publishers, and retractions. */
function dataset(): Report[] {
  const random = rng(20141008);
  const reports: Report[] = [];
  for (let i = 0; i < 240; i++) reports.push(randomReport(random, `fact-${i}`, 3));
  // the same facts reported again by another publisher, later
  for (let i = 0; i < 40; i++) {
    const original = reports[Math.floor(random() * 240)]!;
    reports.push({ ...original, id: `corroboration-${i}`, source: { publisher: 'Corroborating Agency', publishedAt: '2017-03-01' } });
  }
  // retractions, some published before the report they retract
  for (let i = 0; i < 25; i++) {
    const target = reports[Math.floor(random() * reports.length)]!;
    const day = new Date(Date.UTC(2015, 0, 1) + Math.floor(random() * 900) * 86_400_000).toISOString().slice(0, 10);
    reports.push({ id: `retraction-${i}`, type: 'report.retracted', occurredAt: day, source: { publisher: 'Desk', publishedAt: day }, data: { reportId: target.id } });
  }
  return reports.map((r) => (r.source.publishedAt ? r : { ...r, source: { ...r.source, publishedAt: '2016-01-01' } }));
}

function shuffled<T>(items: T[], seed: number): T[] {
  const random = rng(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** The facts of one (coalition, country), as the fold of docs/semantics.md takes them. */
function factsOf(reports: Report[], coalition: string, country: string): MembershipFact[] {
  const retractions = new Map<string, number>();
  for (const r of reports) {
    if (r.type !== 'report.retracted') continue;
    const target = r.data.reportId as string;
    const at = Date.parse(r.source.publishedAt!);
    retractions.set(target, Math.min(at, retractions.get(target) ?? Infinity));
  }
  return reports
    .filter((r) => r.type.startsWith('coalition.') && r.data.coalitionId === coalition && r.data.country === country)
    .map((r, i) => ({
      reportId: r.id,
      type: r.type as MembershipFact['type'],
      occurredAt: Date.parse(`${r.occurredAt}T00:00:00Z`),
      knownAt: Date.parse(r.source.publishedAt!),
      position: i, // ties between equal valid and knowledge times never change the state of a pair here
      roles: (r.type === 'coalition.member-joined' ? (r.data.roles as MembershipFact['roles']) : [r.data.role as MembershipFact['roles'][number]]) ?? [],
      retractedAt: retractions.get(r.id) ?? null,
    }));
}

describe('queries: the same reports in three different orders', () => {
  const systems: TestSystem[] = [];
  const databases: TestDatabase[] = [];
  const reports = dataset();

  beforeAll(async () => {
    for (const seed of [1, 2, 3]) {
      const db = await createTestDatabase();
      databases.push(db);
      const system = await new TestSystem(db).start();
      systems.push(system);
      // keys spread a coalition over partitions too: arrival order is as random as it gets
      await produce(system.topics.KAFKA_TOPIC, shuffled(reports, seed).map((r, i) => ({ key: `k${i % 7}`, value: JSON.stringify(r) })));
    }
    await Promise.all(systems.map((s) => s.caughtUp()));
  });
  afterAll(async () => {
    for (const system of systems) await system.close();
    for (const db of databases) await db.drop();
  });

  it('gives identical answers for 50 random (at, knownAt) pairs, and they are the fold of the facts', async () => {
    const random = rng(50);
    const day = (from: string, span: number) => new Date(Date.parse(from) + Math.floor(random() * span) * 86_400_000).toISOString().slice(0, 10);
    let members = 0;
    for (let q = 0; q < 50; q++) {
      const at = day('2014-01-01', 760);
      const knownAt = day('2014-12-01', 1000);
      for (const coalition of ['coalition-0', 'coalition-1', 'coalition-2']) {
        const answers = await Promise.all(systems.map((s) => s.get<State>(`/coalitions/${coalition}?at=${at}&knownAt=${knownAt}`)));
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
        const [first, ...others] = answers.map((a) => a.body);
        for (const other of others) expect(other).toEqual(first);
        // and the answer is the definition: the fold of the visible facts
        const atMs = Date.parse(`${at}T23:59:59.999Z`);
        const knownMs = Date.parse(`${knownAt}T23:59:59.999Z`);
        const countries = [...new Set(reports.filter((r) => r.data.coalitionId === coalition).map((r) => String(r.data.country)))];
        const expected = countries
          .map((country) => ({ country, state: memberStateAt(factsOf(reports, coalition, country), atMs, knownMs) }))
          .filter((e) => e.state)
          .map((e) => ({ country: e.country, since: new Date(e.state!.since).toISOString(), roles: e.state!.roles.map((r) => ({ kind: r.kind, theater: r.theater, since: new Date(r.since).toISOString() })) }))
          .sort((a, b) => a.country.localeCompare(b.country));
        expect(first!.members.map(({ country, since, roles }) => ({ country, since, roles }))).toEqual(expected);
        members += expected.length;
      }
    }
    expect(members).toBeGreaterThan(50); // the questions were not all about empty coalitions
  });
});
