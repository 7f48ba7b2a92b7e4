import { Pool } from 'pg';
import { createTestDatabase, testKafka, testServers, uniqueName, type TestDatabase } from '@annals/testing';
import { appEnv, ingestor } from './support/apps';
import { checkExactlyOnce, produceAll, zeroLag } from './support/scenario';
import { MALFORMED, message, randomReport, rng } from '../support/news-factory';

describe('chaos: a poison message in the middle of a partition', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('does not stop the messages behind it', async () => {
    const topic = uniqueName('chaos-poison');
    const env = appEnv({ brokers: testServers().kafkaBrokers.join(','), databaseUrl: db.appUrl, topic, group: `${topic}-g`, partitions: 1 });
    const kafka = testKafka();
    const random = rng(8);
    const before = Array.from({ length: 500 }, (_, i) => randomReport(random, `${topic}-before-${i}`));
    const after = Array.from({ length: 500 }, (_, i) => randomReport(random, `${topic}-after-${i}`));
    const poisons = MALFORMED.filter((m) => m.reason !== 'payload-too-large').map((m, i) => m.make(before[i]!, i));
    // one partition: strict order, the poison messages between the two halves
    await produceAll(kafka, env, [...before.map(message), ...poisons, ...after.map(message)].map((m) => ({ ...m, key: 'one-key' })));
    const app = ingestor('poison');
    app.start(env);
    const started = Date.now();
    await zeroLag(kafka, `${topic}-g`, topic, 120_000);
    const recoverSeconds = (Date.now() - started) / 1000;
    await app.stop();
    const pool = new Pool({ connectionString: db.appUrl, max: 1 });
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM event_store.events WHERE idempotency_key LIKE $1", [`${topic}-after-%`]);
    await pool.end();
    expect(rows[0]!.n).toBe(500);
    const outcome = await checkExactlyOnce({
      scenario: 'poison messages mid-partition',
      kafka,
      databaseUrl: db.appUrl,
      dlqTopic: `${topic}.dlq`,
      valid: [...before, ...after],
      invalid: poisons.length,
      faults: poisons.length,
      recoverSeconds,
      compareWithRebuild: false,
    });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
