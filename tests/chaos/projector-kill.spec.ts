import { Pool } from 'pg';
import { createTestDatabase, testKafka, testServers, uniqueName, type TestDatabase } from '@annals/testing';
import { appEnv, ingestor, projector } from './support/apps';
import { checkExactlyOnce, produceAll, SHORT, until, workload, zeroLag } from './support/scenario';
import { rng } from '../support/news-factory';

describe('chaos: a projector killed (SIGKILL) while it writes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('restarted, it applies no fact twice and misses none (the read model equals a rebuild)', async () => {
    const topic = uniqueName('chaos-projector');
    const env = appEnv({ brokers: testServers().kafkaBrokers.join(','), databaseUrl: db.appUrl, topic, group: `${topic}-g` });
    const kafka = testKafka();
    const { messages, valid, invalid } = workload(topic, SHORT ? 8_000 : 30_000, 2);
    await produceAll(kafka, env, messages, 1000);
    const ingestorApp = ingestor('projector-kill');
    ingestorApp.start(env);
    const pool = new Pool({ connectionString: db.appUrl, max: 1 });
    const applied = async () =>
      (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM read_model.facts WHERE version = 1")).rows[0]!.n;
    const random = rng(3);
    let faults = 0;
    for (let k = 0; k < (SHORT ? 3 : 10); k++) {
      const app = projector('projector-kill', k);
      app.start(env);
      const wanted = (await applied()) + 200 + Math.floor(random() * 800);
      await until('the projector to write', async () => (await applied()) >= wanted || (await applied()) >= valid.length, 120_000);
      if ((await applied()) >= valid.length) break;
      await app.kill();
      faults++;
    }
    const started = Date.now();
    const last = projector('projector-kill', 99);
    last.start(env);
    await zeroLag(kafka, `${topic}-g`, topic);
    await until('the projector to apply every event', async () => (await applied()) === valid.length);
    const recoverSeconds = (Date.now() - started) / 1000;
    await last.stop();
    await ingestorApp.stop();
    await pool.end();
    expect(faults).toBeGreaterThan(0);
    const outcome = await checkExactlyOnce({ scenario: 'projector SIGKILL', kafka, databaseUrl: db.appUrl, dlqTopic: `${topic}.dlq`, valid, invalid, faults, recoverSeconds });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
