import { join } from 'node:path';
import { AppProcess } from '../../../tools/runtime/app-process';
import { createTestDatabase, eventually, ingestorTopics, produce, testServers, waitForZeroLag, type TestDatabase } from '@annals/testing';
import { message, randomReport, rng } from '../../support/news-factory';

describe('ingestion: the ingestor killed (SIGKILL) in the middle of its batches', () => {
  let db: TestDatabase;
  const topics = ingestorTopics('killed');
  const logs = join(__dirname, '../../artifacts/logs');

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('starting it again produces no duplicate and no missing event', async () => {
    const env = {
      KAFKA_BROKERS: testServers().kafkaBrokers.join(','),
      DATABASE_URL: db.appUrl,
      ...topics,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
    };
    const random = rng(42);
    const reports = Array.from({ length: 20_000 }, (_, i) => randomReport(random, `killed-${i}`, 40));
    await produce(topics.KAFKA_TOPIC, reports.map(message));
    const pool = db.appPool();
    const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;

    const killedAt: number[] = [];
    for (const target of [2_000, 7_000, 12_000]) {
      const ingestor = new AppProcess('ingestor', join(logs, `${topics.KAFKA_TOPIC}.log`));
      ingestor.start(env);
      const atKill = await eventually(`progress past ${target}`, async () => {
        const n = await stored();
        return n >= target ? n : undefined;
      }, 120_000, 10);
      await ingestor.kill();
      killedAt.push(atKill);
    }
    // the kills landed while work was left: in the middle of the stream, so inside or between batches
    expect(killedAt.every((n) => n < reports.length)).toBe(true);

    const last = new AppProcess('ingestor', join(logs, `${topics.KAFKA_TOPIC}.log`));
    last.start(env);
    try {
      await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC, 180_000);
    } finally {
      await last.stop();
    }
    const { rows } = await pool.query<{ n: number; distinct: number }>('SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS distinct FROM event_store.events');
    expect(rows[0]).toEqual({ n: reports.length, distinct: reports.length });
    // no stream has a hole or a repeated version, and every hash links
    expect((await pool.query('SELECT * FROM event_store.verify()')).rows).toEqual([]);
  });
});
