import { Pool } from 'pg';
import { createTestDatabase, testKafka, testServers, uniqueName, type TestDatabase } from '@annals/testing';
import { appEnv, ingestor, projector } from './support/apps';
import { checkExactlyOnce, produceAll, SHORT, until, workload, zeroLag } from './support/scenario';

describe('chaos: several instances, rebalances and take-overs', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('three ingestors on six partitions (one killed, one added) and two projectors (one killed): nothing lost, nothing duplicated', async () => {
    const topic = uniqueName('chaos-scale');
    const env = appEnv({ brokers: testServers().kafkaBrokers.join(','), databaseUrl: db.appUrl, topic, group: `${topic}-g`, partitions: 6 });
    const kafka = testKafka();
    const { messages, valid, invalid } = workload(topic, SHORT ? 9_000 : 30_000, 7);
    const ingestors = [1, 2, 3].map((n) => ingestor('scale-out', n));
    const projectors = [1, 2].map((n) => projector('scale-out', n));
    for (const app of [...ingestors, ...projectors]) app.start(env);
    const pool = new Pool({ connectionString: db.appUrl, max: 1 });
    const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
    const applied = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM read_model.facts WHERE version = 1')).rows[0]!.n;
    const publishing = produceAll(kafka, env, messages, 250, 30);
    await until('ingestion under way', async () => (await stored()) > 500, 120_000);
    await ingestors[0]!.kill(); // a rebalance: its partitions go to the others
    await until('more ingestion', async () => (await stored()) > 1500, 120_000);
    const added = ingestor('scale-out', 4);
    added.start(env); // another rebalance
    await until('the projectors to write', async () => (await applied()) > 1000, 120_000);
    // the projector holding the lock dies; the other takes over
    await projectors[0]!.kill();
    await projectors[1]!.kill();
    const survivor = projector('scale-out', 3);
    const standby = projector('scale-out', 4);
    survivor.start(env);
    standby.start(env);
    await until('progress after the take-over', async () => (await applied()) > 2000, 120_000);
    await survivor.kill();
    await publishing;
    const started = Date.now();
    await zeroLag(kafka, `${topic}-g`, topic);
    await until('the standby projector to take over and catch up', async () => (await applied()) === valid.length, 300_000);
    const recoverSeconds = (Date.now() - started) / 1000;
    for (const app of [...ingestors.slice(1), added, standby]) {
      expect(app.exited).toBe(false);
      await app.stop();
    }
    await pool.end();
    const outcome = await checkExactlyOnce({
      scenario: '3 ingestors (1 killed, 1 added), projectors killed',
      kafka,
      databaseUrl: db.appUrl,
      dlqTopic: `${topic}.dlq`,
      valid,
      invalid,
      faults: 4,
      recoverSeconds,
    });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
