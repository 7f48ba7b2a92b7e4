import { Pool } from 'pg';
import { testKafka, testServers, uniqueName } from '@annals/testing';
import { OwnPostgres } from '../support/own-postgres';
import { appEnv, ingestor, projector } from './support/apps';
import { checkExactlyOnce, produceAll, recover, SHORT, until, workload } from './support/scenario';

describe('chaos: PostgreSQL restarted and unreachable during ingestion', () => {
  // below the ephemeral port range, as tools/stack/profiles.ts explains
  const postgres = new OwnPostgres('chaos-pg', 25371);
  beforeAll(() => postgres.create());
  afterAll(() => postgres.destroy());

  it('fast and immediate restarts, and an outage, lose and duplicate nothing', async () => {
    const topic = uniqueName('chaos-pg');
    const env = appEnv({ brokers: testServers().kafkaBrokers.join(','), databaseUrl: postgres.appUrl, topic, group: `${topic}-g` });
    const kafka = testKafka();
    const { messages, valid, invalid } = workload(topic, SHORT ? 9_000 : 30_000, 4);
    const apps = [ingestor('postgres'), projector('postgres')];
    for (const app of apps) app.start(env);
    const pool = new Pool({ connectionString: postgres.appUrl, max: 1 });
    pool.on('error', () => undefined);
    const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
    // publish in three parts, with a fault while each is being ingested
    const third = Math.ceil(messages.length / 3);
    const outage = SHORT ? 5_000 : 30_000;
    let faults = 0;
    for (const [i, fault] of (['fast', 'immediate', 'outage'] as const).entries()) {
      await produceAll(kafka, env, messages.slice(i * third, (i + 1) * third), 500);
      const before = await stored().catch(() => 0);
      await until('ingestion under way', async () => (await stored()) > before + 200, 120_000);
      if (fault === 'outage') {
        await postgres.stop('fast');
        await new Promise((resolve) => setTimeout(resolve, outage));
        await postgres.start();
      } else {
        await postgres.stop(fault);
        await postgres.start();
      }
      faults++;
    }
    // nobody crashed: they waited the faults out
    const recoverSeconds = await recover({ kafka, env, pool, apps });
    const outcome = await checkExactlyOnce({ scenario: `PostgreSQL fast/immediate restart, ${outage / 1000} s outage`, kafka, databaseUrl: postgres.appUrl, dlqTopic: `${topic}.dlq`, valid, invalid, faults, recoverSeconds });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
