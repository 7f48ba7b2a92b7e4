import { createTestDatabase, testKafka, testServers, uniqueName, type TestDatabase } from '@annals/testing';
import { appEnv, ingestor, projector } from './support/apps';
import { checkExactlyOnce, produceAll, readModelCaughtUp, SHORT, until, workload, zeroLag } from './support/scenario';
import { rng } from '../support/news-factory';
import { Pool } from 'pg';

describe('chaos: the ingestor killed (SIGKILL) mid-batch, again and again', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it(`${SHORT ? 3 : 20} kills at random moments lose and duplicate nothing`, async () => {
    const topic = uniqueName('chaos-ingestor');
    const env = appEnv({ brokers: testServers().kafkaBrokers.join(','), databaseUrl: db.appUrl, topic, group: `${topic}-g`, partitions: 4 });
    const kafka = testKafka();
    const { messages, valid, invalid } = workload(topic, SHORT ? 16_000 : 60_000, 1);
    // everything is published before the first ingestor starts
    await produceAll(kafka, env, messages, 1000);
    const projectorApp = projector('ingestor-kill');
    projectorApp.start(env);
    const pool = new Pool({ connectionString: db.appUrl, max: 1 });
    const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
    const random = rng(20);
    const kills = SHORT ? 3 : 20;
    let faults = 0;
    const killedAt: number[] = [];
    for (let k = 0; k < kills; k++) {
      const app = ingestor('ingestor-kill', k);
      app.start(env);
      const before = await stored();
      // a random moment once it is working, spread over the first half of the stream (the k-th kill
      // in the k-th of kills + 1 slices, or 50 events after a restart that overtook its slice).
      // Progress comes in jumps (four partitions' chunks of 1,000 land together), so it is watched
      // closely and the stream is long enough that every kill leaves work behind.
      const slice = valid.length / 2 / (kills + 1);
      const wanted = Math.max(before + 50, Math.floor(slice * (k + 1 + random() * 0.3)));
      let now = before;
      await until('the ingestor to make progress', async () => (now = await stored()) >= Math.min(wanted, valid.length), 120_000, 20);
      if (now >= valid.length) break;
      await app.kill();
      killedAt.push(now);
      faults++;
    }
    const last = ingestor('ingestor-kill', 99);
    const started = Date.now();
    last.start(env);
    await zeroLag(kafka, `${topic}-g`, topic);
    await until('the read model to catch up', () => readModelCaughtUp(pool));
    const recoverSeconds = (Date.now() - started) / 1000;
    await last.stop();
    await projectorApp.stop();
    await pool.end();
    // every kill landed while work was left (enough messages for all of them)
    expect({ faults, killedAt, of: valid.length }).toMatchObject({ faults: kills });
    const outcome = await checkExactlyOnce({ scenario: 'ingestor SIGKILL', kafka, databaseUrl: db.appUrl, dlqTopic: `${topic}.dlq`, valid, invalid, faults, recoverSeconds });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
