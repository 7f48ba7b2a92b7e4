import { existsSync, readFileSync, statSync } from 'node:fs';
import { Pool } from 'pg';
import { SILENCE_GRACE_MS } from '@annals/database';
import { testKafka, testServers, uniqueName } from '@annals/testing';
import { OwnPostgres } from '../support/own-postgres';
import { appEnv, ingestor, projector } from './support/apps';
import { checkExactlyOnce, produceAll, recover, SHORT, until, workload, zeroLag } from './support/scenario';

describe('chaos: PostgreSQL restarted, unreachable and frozen during ingestion', () => {
  // below the ephemeral port range, as tools/stack/profiles.ts explains
  const postgres = new OwnPostgres('chaos-pg', 25371);
  beforeAll(() => postgres.create());
  afterAll(() => postgres.destroy());

  it('fast and immediate restarts, an outage, and a freeze lose and duplicate nothing', async () => {
    const topic = uniqueName('chaos-pg');
    // a statement timeout short enough that the freeze outlasts it and its grace: the apps give up on the silent server
    const statementTimeoutMs = 3_000;
    const env: Record<string, string> = {
      ...appEnv({ brokers: testServers().kafkaBrokers.join(','), databaseUrl: postgres.appUrl, topic, group: `${topic}-g` }),
      DATABASE_STATEMENT_TIMEOUT_MS: String(statementTimeoutMs),
    };
    const kafka = testKafka();
    const { messages, valid, invalid } = workload(topic, SHORT ? 12_000 : 40_000, 4);
    const apps = [ingestor('postgres'), projector('postgres')];
    // (the logs are appended to: this run's part starts here)
    const logStarts = apps.map((app) => (existsSync(app.logFile) ? statSync(app.logFile).size : 0));
    for (const app of apps) app.start(env);
    const pool = new Pool({ connectionString: postgres.appUrl, max: 1 });
    pool.on('error', () => undefined);
    const stored = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
    // published in four parts, with a fault while each is being ingested
    const part = (i: number) => messages.slice((i * messages.length) / 4, ((i + 1) * messages.length) / 4);
    const outage = SHORT ? 5_000 : 30_000;
    let faults = 0;
    for (const [i, fault] of (['fast', 'immediate', 'outage'] as const).entries()) {
      // counted before publishing: an ingestor that keeps up stores the whole part while it is
      // being published, and then nothing more would come after a count taken at its end (the
      // fresh-clone CI at 4cbea37 waited 120 s for it)
      const before = await stored().catch(() => 0);
      await produceAll(kafka, env, part(i), 500);
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
    // the last part in two: frozen once the first is being ingested (the apps' connections, in use
    // and answering, stay open: a pool closes those idle for 30 s), then the second published:
    // the apps' statements meet a server that never answers
    const last = part(3);
    await zeroLag(kafka, env.KAFKA_GROUP_ID!, env.KAFKA_TOPIC!);
    const before = await stored();
    await produceAll(kafka, env, last.slice(0, last.length / 2), 500);
    await until('the last part under way', async () => (await stored()) > before + 200, 120_000);
    postgres.freeze();
    try {
      await produceAll(kafka, env, last.slice(last.length / 2), 500);
      await new Promise((resolve) => setTimeout(resolve, 2 * (statementTimeoutMs + SILENCE_GRACE_MS)));
    } finally {
      postgres.thaw();
    }
    faults++;
    // nobody crashed: they waited the faults out
    const recoverSeconds = await recover({ kafka, env, pool, apps });
    // and did not wait the freeze out: each gave up on the frozen server, on a connection that went
    // silent with a statement waiting, on a new one it could not open (which it needs when its
    // pool has no open connection to spare), or waiting for one of its full pool's connections
    // (pg-pool's checkout timeout: every connection held by the frozen server, seen in CI for the
    // ingestor), and retried; the first way at least once
    const silent = `PostgreSQL did not answer for ${statementTimeoutMs + SILENCE_GRACE_MS} ms`;
    const ways = apps.map((app, i) => {
      const log = readFileSync(app.logFile).subarray(logStarts[i]).toString('utf8');
      return {
        app: app.app,
        silent: log.includes(silent),
        connectTimedOut: log.includes('Connection terminated due to connection timeout'),
        checkoutTimedOut: log.includes('timeout exceeded when trying to connect'),
      };
    });
    for (const way of ways) expect({ app: way.app, gaveUp: way.silent || way.connectTimedOut || way.checkoutTimedOut }).toEqual({ app: way.app, gaveUp: true });
    expect(ways.some((way) => way.silent)).toBe(true);
    const outcome = await checkExactlyOnce({
      scenario: `PostgreSQL fast/immediate restart, ${outage / 1000} s outage, ${(2 * (statementTimeoutMs + SILENCE_GRACE_MS)) / 1000} s freeze`,
      kafka,
      databaseUrl: postgres.appUrl,
      dlqTopic: `${topic}.dlq`,
      valid,
      invalid,
      faults,
      recoverSeconds,
    });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
