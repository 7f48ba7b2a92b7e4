import { Pool } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { CoalitionQueries, CoalitionStates, NotFoundError } from '@annals/queries';
import { createTestDatabase, eventually, produce, type TestDatabase } from '@annals/testing';
import { ADMIN_TOKEN, seedReports, TestSystem } from '../../support/system';
import { deskReport as report, message, randomReport, rng, type Report } from '../../support/news-factory';
import { sqlAppend } from '../../support/sql-append';
import { sample } from '../../support/metrics-sample';

/**
 * The api answers coalition states from a copy of the read model in memory while the copy is
 * of the rows there now, and from PostgreSQL otherwise (CoalitionStates). Whichever answers,
 * the bytes must be those the statement gives: compared here, question by question, with
 * CoalitionQueries.state rendered as Express renders it (JSON.stringify).
 */
describe('queries: coalition states from the copy in memory', () => {
  let db: TestDatabase;
  let system: TestSystem;
  let pool: Pool;
  let queries: CoalitionQueries;
  const from = { memory: 0, postgres: 0 };
  let states: CoalitionStates;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const COALITIONS = ['coalition-against-isis', ...Array.from({ length: 6 }, (_, i) => `coalition-${i}`)];

  const day = (random: () => number, from: number, span: number) => new Date(Date.UTC(2014, 0, 1) + Math.floor((from + random() * span) * 86_400_000));
  /** Random questions over the seed's coalition and the random ones: dates, instants, with and without `sources`. */
  function questions(seed: number, count: number): Array<[string, Date, Date, number | undefined]> {
    const random = rng(seed);
    return Array.from({ length: count }, (_, i) => {
      const at = day(random, 0, 800);
      const knownAt = day(random, 200, 1200);
      if (i % 3 === 0) at.setUTCHours(23, 59, 59, 999);
      if (i % 4 === 0) knownAt.setUTCMilliseconds(Math.floor(random() * 86_400_000));
      return [COALITIONS[i % COALITIONS.length]!, at, knownAt, i % 5 === 0 ? Math.floor(random() * 3) : undefined];
    });
  }
  const fromStatement = async (id: string, at: Date, knownAt: Date, sources?: number) => JSON.stringify(await queries.state(id, at, knownAt, sources));

  async function sameAnswers(seed: number, count = 150): Promise<void> {
    for (const [id, at, knownAt, sources] of questions(seed, count)) {
      const copy = (await states.json(id, at, knownAt, sources)).toString('utf8');
      expect({ id, at, knownAt, sources, answer: copy }).toEqual({ id, at, knownAt, sources, answer: await fromStatement(id, at, knownAt, sources) });
    }
  }

  /** Waits until the next state is answered from the copy, and asks it. */
  async function copyCurrent(): Promise<void> {
    await eventually(
      'the copy to answer',
      async () => {
        const before = from.memory;
        await states.json(COALITIONS[0]!, new Date('2015-01-01'), new Date('2015-01-01'));
        return from.memory > before ? true : undefined;
      },
      30_000,
      100,
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    await system.publish(seedReports());
    const random = rng(2026);
    const reports: Report[] = Array.from({ length: 1200 }, (_, i) => randomReport(random, `random-${i}`, 6));
    // formations, one published before it was retracted, one never; some membership reports retracted
    reports.push(
      report('c0-formed-early', 'coalition.formed', '2014-02-01', '2015-01-10', { coalitionId: 'coalition-0', name: 'First name' }),
      report('c0-formed-late', 'coalition.formed', '2014-03-01', '2015-02-10', { coalitionId: 'coalition-0', name: 'Second name' }),
      report('c0-retracts-early', 'report.retracted', '2015-06-01', '2015-06-01', { reportId: 'c0-formed-early' }),
      ...Array.from({ length: 40 }, (_, i) => report(`retraction-${i}`, 'report.retracted', '2016-01-01', `2016-0${1 + (i % 9)}-15`, { reportId: `random-${i * 7}` })),
    );
    await produce(system.topics.KAFKA_TOPIC, reports.map(message));
    await system.caughtUp();
    pool = new Pool({ connectionString: db.appUrl, max: 3 });
    queries = new CoalitionQueries(pool, new PostgresEventStore(pool));
    states = new CoalitionStates(pool, queries, {
      maxFacts: 1_000_000,
      pollMs: 50,
      quietMs: 200,
      metrics: { answered: (where) => from[where]++, held: () => undefined },
    });
    states.onModuleInit();
  });
  afterAll(async () => {
    await states?.onModuleDestroy();
    await pool?.end();
    await system?.close();
    await db.drop();
  });

  it('answers every question with the bytes of the statement, from memory', async () => {
    await copyCurrent();
    const before = { ...from };
    await sameAnswers(1);
    // every one of them from the copy: the projector was at rest
    expect(from.postgres).toBe(before.postgres);
    expect(from.memory - before.memory).toBe(150);
    expect(states.heldFacts).toBeGreaterThan(1000);
  });

  it('says an unknown coalition is unknown, as the statement does', async () => {
    await copyCurrent();
    await expect(states.json('coalition-nobody-named', new Date('2015-01-01'), new Date('2015-01-01'))).rejects.toThrow(new NotFoundError('no coalition "coalition-nobody-named"'));
    await expect(queries.state('coalition-nobody-named', new Date('2015-01-01'), new Date('2015-01-01'))).rejects.toThrow(NotFoundError);
  });

  it('never answers from a copy older than the read model: a report just projected is in the next answer', async () => {
    await copyCurrent();
    const at = new Date('2014-06-01T12:00:00.000Z');
    const knownAt = new Date('2030-01-01');
    const beforeJoin = JSON.parse((await states.json('coalition-fresh', at, knownAt).catch(() => Buffer.from('null'))).toString()) as { members: Array<{ country: string }> } | null;
    expect(beforeJoin).toBeNull();
    await produce(system.topics.KAFKA_TOPIC, [message(report('fresh-es-joins', 'coalition.member-joined', '2014-05-01', '2020-01-01', { coalitionId: 'coalition-fresh', country: 'ES' }))]);
    await system.caughtUp();
    // at once, before the copy can have been loaded again
    const answer = JSON.parse((await states.json('coalition-fresh', at, knownAt)).toString()) as { members: Array<{ country: string; sources: Array<{ reportId: string }> }> };
    expect(answer.members.map((m) => [m.country, m.sources.map((s) => s.reportId)])).toEqual([['ES', ['fresh-es-joins']]]);
    // and once the projector rests, from a copy that has it
    await copyCurrent();
    const again = JSON.parse((await states.json('coalition-fresh', at, knownAt)).toString()) as typeof answer;
    expect(again).toEqual(answer);
    await sameAnswers(2, 60);
  });

  it('follows a rebuild: the new version answers, from memory once it is loaded', async () => {
    await copyCurrent();
    const started = await system.post<{ version: number }>('/admin/replay', auth);
    expect(started.status).toBe(202);
    await eventually(
      'version 2 to become active',
      async () => {
        const { body } = await system.get<{ items: Array<{ version: number; state: string }> }>('/admin/projections', auth);
        return body.items.find((v) => v.version === 2)?.state === 'active' ? true : undefined;
      },
      120_000,
      200,
    );
    // the copy of version 1 no longer answers: every answer is version 2's
    await sameAnswers(3, 60);
    await copyCurrent();
    const before = from.memory;
    await sameAnswers(4, 60);
    expect(from.memory - before).toBe(60);
  });

  it('keeps no copy of a read model larger than allowed, and answers from PostgreSQL', async () => {
    const small = new CoalitionStates(pool, queries, { maxFacts: 10, pollMs: 20, quietMs: 0, metrics: { answered: (where) => counts[where]++, held: () => undefined } });
    const counts = { memory: 0, postgres: 0 };
    small.onModuleInit();
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const [id, at, knownAt, sources] of questions(5, 20)) {
        expect((await small.json(id, at, knownAt, sources)).toString()).toBe(await fromStatement(id, at, knownAt, sources));
      }
      expect(counts).toEqual({ memory: 0, postgres: 20 });
      expect(small.heldFacts).toBe(0);
    } finally {
      await small.onModuleDestroy();
    }
  });

  it('loads no copy while the projector has stored events to apply, however still its mark', async () => {
    // a database of its own, with no projector: its one event is stored and not applied
    const idle = await createTestDatabase();
    const idlePool = new Pool({ connectionString: idle.appUrl, max: 3 });
    const counts = { memory: 0, postgres: 0 };
    const waiting = new CoalitionStates(idlePool, new CoalitionQueries(idlePool, new PostgresEventStore(idlePool)), {
      maxFacts: 1_000_000,
      pollMs: 20,
      quietMs: 0,
      metrics: { answered: (where) => counts[where]++, held: () => undefined },
    });
    const ask = () => waiting.json('coalition-x', new Date('2015-01-01'), new Date('2015-01-01')).catch((error: Error) => error);
    try {
      await sqlAppend(idlePool, 'coalition:behind', -1, [{ type: 'test.stored', data: {}, key: 'behind-1' }]);
      waiting.onModuleInit();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await ask()).toEqual(new NotFoundError('no coalition "coalition-x"'));
      expect(counts).toEqual({ memory: 0, postgres: 1 });
      // the version has applied it (its checkpoint at the event): now the projector is at rest
      await idlePool.query(
        `INSERT INTO event_store.checkpoints (subscription_id, transaction_id, position)
         SELECT 'coalition-membership@v1', transaction_id, position FROM event_store.events ORDER BY transaction_id DESC, position DESC LIMIT 1`,
      );
      await eventually('a copy once the projector rests', async () => {
        await ask();
        return counts.memory > 0 ? true : undefined;
      }, 10_000, 50);
      expect(await ask()).toEqual(new NotFoundError('no coalition "coalition-x"'));
    } finally {
      await waiting.onModuleDestroy();
      await idlePool.end();
      await idle.drop();
    }
  });

  it('the api serves states from its copy, as JSON', async () => {
    const memoryAnswers = async () => Number(sample((await system.get<string>('/metrics')).body, 'annals_state_answers_total', 'from="memory"') ?? 0);
    const path = '/coalitions/coalition-against-isis?at=2014-10-08&knownAt=2016-01-01';
    await eventually('the api to answer from its copy', async () => {
      const before = await memoryAnswers();
      await system.get(path);
      return (await memoryAnswers()) > before ? true : undefined;
    }, 30_000, 100);
    const response = await fetch(`${system.baseUrl}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe(await fromStatement('coalition-against-isis', new Date('2014-10-08T23:59:59.999Z'), new Date('2016-01-01T23:59:59.999Z')));
    const metrics = (await system.get<string>('/metrics')).body;
    const copyFacts = Number(sample(metrics, 'annals_state_copy_facts'));
    expect(copyFacts).toBeGreaterThan(1000);
    // at least each fact's times (three 8-byte numbers) and its source reference
    expect(Number(sample(metrics, 'annals_state_copy_bytes'))).toBeGreaterThan(copyFacts * 40);
  });
});
