import { execFile } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestDatabase, eventually, freePort, ingestorTopics, testServers, type TestDatabase } from '@annals/testing';
import { startApi } from '../../../apps/api/src/bootstrap';
import { OwnPostgres } from '../../support/own-postgres';
import { seedReports, TestSystem } from '../../support/system';
import { sample } from '../../support/metrics-sample';

const C = 'coalition-against-isis';

async function fetchFrom(baseUrl: string, path: string) {
  const response = await fetch(`${baseUrl}${path}`);
  const text = await response.text();
  return { status: response.status, text, retryAfter: response.headers.get('retry-after') };
}

/** `annals <args>` run as a user runs it; resolves with its exit code and output (async: the apps of this process keep running). */
function annals(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(__dirname, '../../../bin/annals.js'), ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** An app's main module run as its own process, as the Docker image and the demo run it; resolves when it exits. */
function runMain(app: 'ingestor' | 'projector' | 'api', env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const args = ['-r', '@swc-node/register', join(__dirname, '../../../apps', app, 'src/main.ts')];
    execFile(process.execPath, args, { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

interface HealthBody {
  status: string;
  message?: string;
  info: Record<string, { status: string }>;
  error: Record<string, { status: string; message?: string }>;
}

/**
 * The api answers from PostgreSQL alone; it only looks at Kafka (health, metrics). While Kafka
 * is out of reach, the answers go on, readiness stays up (a load balancer keeps the api), and
 * /health and /metrics say that Kafka is down and why, without stale Kafka figures.
 */
describe('queries: the api while Kafka is out of reach', () => {
  let db: TestDatabase;
  let system: TestSystem;
  let cutOff: NestExpressApplication | undefined;
  let cutOffUrl = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    await system.publish(seedReports());
    // a second api on the same database, whose brokers are a port nothing listens on
    const port = await freePort();
    const noBroker = await freePort();
    cutOff = await startApi(system.env({ KAFKA_BROKERS: `127.0.0.1:${noBroker}`, PORT: String(port), LOG_LEVEL: 'fatal' }));
    cutOffUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await cutOff?.close();
    await system?.close();
    await db?.drop();
  });

  const get = (path: string) => fetchFrom(cutOffUrl, path);

  it('answers queries as the api with Kafka does, and stays ready', async () => {
    const question = `/coalitions/${C}?at=2014-10-08&knownAt=2015-12-09`;
    const withKafka = await system.get(question);
    const without = await get(question);
    expect(without.status).toBe(200);
    expect(JSON.parse(without.text)).toEqual(withKafka.body);
    expect((withKafka.body as { members: unknown[] }).members).toHaveLength(13);

    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect((JSON.parse(ready.text) as HealthBody).info.postgres?.status).toBe('up');
  });

  it('/health is 503 and names Kafka as down, with the reason; with Kafka, it is 200', async () => {
    const health = await get('/health');
    expect(health.status).toBe(503);
    const body = JSON.parse(health.text) as HealthBody;
    expect(body.status).toBe('error');
    expect(body.info.postgres?.status).toBe('up');
    expect(body.error.kafka?.status).toBe('down');
    expect(body.error.kafka?.message).toMatch(/ECONNREFUSED|did not answer/);
    expect(body.message).toMatch(/^kafka: /);

    const withKafka = await system.get<HealthBody>('/health');
    expect(withKafka.status).toBe(200);
    expect(withKafka.body.info.kafka?.status).toBe('up');
  });

  it('/metrics reports Kafka down and leaves out the figures read from it, keeping those read from PostgreSQL', async () => {
    const scrape = await get('/metrics');
    expect(scrape.status).toBe(200);
    expect(sample(scrape.text, 'annals_source_up', 'source="kafka"')).toBe('0');
    expect(sample(scrape.text, 'annals_source_up', 'source="postgres"')).toBe('1');
    // no value is better than a made-up one: an ingest lag of 0 would say all is well
    expect(sample(scrape.text, 'annals_ingest_lag_messages')).toBeUndefined();
    expect(sample(scrape.text, 'annals_dead_letters')).toBeUndefined();
    expect(Number(sample(scrape.text, 'annals_events_stored'))).toBeGreaterThanOrEqual(seedReports().length);
    expect(sample(scrape.text, 'annals_projection_lag_events', 'projection="coalition-membership@v1"')).toBe('0');

    const withKafka = (await system.get<string>('/metrics')).body;
    expect(sample(withKafka, 'annals_source_up', 'source="kafka"')).toBe('1');
    expect(sample(withKafka, 'annals_ingest_lag_messages')).toBe('0');
    expect(sample(withKafka, 'annals_dead_letters')).toBe('0');
  });

  it('/metrics of an api whose topic does not exist yet (no ingestor has started with it) reports Kafka up, leaving out only that topic\'s figures', async () => {
    const port = await freePort();
    const early = await startApi(system.env({ KAFKA_DLQ_TOPIC: `${system.topics.KAFKA_DLQ_TOPIC}-not-yet`, PORT: String(port), LOG_LEVEL: 'fatal' }));
    try {
      const scrape = (await fetchFrom(`http://127.0.0.1:${port}`, '/metrics')).text;
      expect(sample(scrape, 'annals_source_up', 'source="kafka"')).toBe('1');
      expect(sample(scrape, 'annals_dead_letters')).toBeUndefined();
      expect(sample(scrape, 'annals_ingest_lag_messages')).toBe('0');
    } finally {
      await early.close();
    }
  });

  it('the CLI, annals, says which server refused or did not answer, in one line without a stack', async () => {
    const noBroker = await freePort();
    const kafka = await annals('dlq', 'list', '--brokers', `127.0.0.1:${noBroker}`);
    expect(kafka.code).toBe(1);
    expect(kafka.stderr.trim()).toBe(`annals: Kafka: Connection error: connect ECONNREFUSED 127.0.0.1:${noBroker}`);

    const url = new URL(db.appUrl);
    url.password = 'not-the-password';
    const password = await annals('state', C, '--database-url', url.toString());
    expect(password.code).toBe(1);
    expect(password.stderr.trim()).toMatch(/^annals: PostgreSQL: password authentication failed for user "[^"]+" \(SQLSTATE 28P01\)$/);

    const noDatabase = new URL(db.appUrl);
    noDatabase.pathname = '/no_such_database';
    const missing = await annals('verify', '--database-url', noDatabase.toString());
    expect(missing.stderr.trim()).toBe('annals: PostgreSQL: database "no_such_database" does not exist (SQLSTATE 3D000)');
  });

  it('the CLI gives up on a server that accepts and never answers, saying which in one line', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const url = `postgres://annals:secret@127.0.0.1:${port}/annals`;
      const [state, migrate, dlq] = await Promise.all([
        annals('state', C, '--database-url', url),
        annals('migrate', '--database-url', url),
        annals('dlq', 'list', '--brokers', `127.0.0.1:${port}`),
      ]);
      // PostgreSQL: after the connect timeout (before, each waited for ever)
      for (const run of [state, migrate]) {
        expect({ code: run.code, stderr: run.stderr.trim() }).toEqual({ code: 1, stderr: 'annals: PostgreSQL did not answer: Connection terminated due to connection timeout' });
      }
      // Kafka: after kafkajs' retries, each waiting the connection timeout for the broker's first answer
      // (before, 'Broker not connected': kafkajs' half-connected broker, decision 0017)
      expect({ code: dlq.code, stderr: dlq.stderr.trim() }).toEqual({ code: 1, stderr: 'annals: Kafka: the broker took the connection and did not answer within 5000 ms' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('an app that cannot reach a server at start exits 1, its last line naming the server and what it said', async () => {
    const noBroker = await freePort();
    const metricsPort = await freePort();
    const url = new URL(db.appUrl);
    url.password = 'not-the-password';
    // after the clients' own retries (kafkajs', TypeORM's): both run at once
    const running = Promise.all([
      runMain('ingestor', system.env({ KAFKA_BROKERS: `127.0.0.1:${noBroker}`, KAFKA_GROUP_ID: 'outage-never-joins', METRICS_PORT: String(metricsPort) })),
      runMain('projector', system.env({ DATABASE_URL: url.toString() })),
    ]);
    // meanwhile the ingestor is live but not ready: its consumer has no group to be in
    const health = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${metricsPort}${path}`).catch(() => undefined);
      return response ? { status: response.status, body: (await response.json()) as Record<string, unknown> } : undefined;
    };
    const notReady = await eventually('the ingestor to answer /health/ready', () => health('/health/ready'), 20_000, 200);
    expect(notReady).toEqual({ status: 503, body: { status: 'error', consumer: 'starting', group: 'outage-never-joins', partitions: 0 } });
    expect(await health('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    const [ingestor, projector] = await running;
    const lastLine = (stderr: string) => stderr.trim().split('\n').at(-1);
    expect(ingestor.code).toBe(1);
    expect(lastLine(ingestor.stderr)).toBe(`annals ingestor could not start: Kafka: Connection error: connect ECONNREFUSED 127.0.0.1:${noBroker}`);
    // on its way there, the consumer's own Kafka client logged what it met (it logged nothing before)
    expect(ingestor.stdout).toMatch(/"context":"kafkajs".*"msg":"Failed to connect to seed broker/);
    expect(projector.code).toBe(1);
    expect(lastLine(projector.stderr)).toMatch(/^annals projector could not start: PostgreSQL: password authentication failed for user "[^"]+" \(SQLSTATE 28P01\)$/);
  });
});

/**
 * PostgreSQL stopped under a running api (a server of the test's own): the api stays up and
 * answers 503 with Retry-After, which a client or load balancer retries, not 500, which says
 * Annals is broken; it answers again once PostgreSQL is back, without a restart.
 */
describe('queries: the api while PostgreSQL is down', () => {
  // below the ephemeral port range, as tools/stack/profiles.ts explains
  const postgres = new OwnPostgres('api-down', 25361);
  let api: NestExpressApplication | undefined;
  let baseUrl = '';

  beforeAll(async () => {
    await postgres.create();
    const port = await freePort();
    api = await startApi({ KAFKA_BROKERS: testServers().kafkaBrokers.join(','), DATABASE_URL: postgres.appUrl, ...ingestorTopics('apidown'), PORT: String(port), LOG_LEVEL: 'fatal' });
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await api?.close();
    await postgres.destroy();
  });

  it('answers 503 with Retry-After while PostgreSQL is stopped, naming no host, and answers again once it is back', async () => {
    expect((await fetchFrom(baseUrl, '/coalitions')).status).toBe(200);
    await postgres.stop('fast');
    try {
      for (const path of ['/coalitions', '/coalitions/coalition-against-isis?at=2014-10-01', '/countries/FR/coalitions', '/reports/tass-2015-12-09-france-joins']) {
        const answer = await fetchFrom(baseUrl, path);
        expect({ path, status: answer.status, retryAfter: answer.retryAfter }).toEqual({ path, status: 503, retryAfter: '1' });
        expect(JSON.parse(answer.text)).toEqual({ error: 'unavailable', message: expect.stringMatching(/^the database is unavailable/) });
        expect(answer.text).not.toContain(String(postgres.server.options.port));
      }

      const ready = await fetchFrom(baseUrl, '/health/ready');
      expect(ready.status).toBe(503);
      expect((JSON.parse(ready.text) as HealthBody).error.postgres?.status).toBe('down');

      const scrape = await fetchFrom(baseUrl, '/metrics');
      expect(scrape.status).toBe(200);
      expect(sample(scrape.text, 'annals_source_up', 'source="postgres"')).toBe('0');
      expect(sample(scrape.text, 'annals_events_stored')).toBeUndefined();

      const cli = await annals('state', 'coalition-against-isis', '--database-url', postgres.appUrl);
      expect(cli.code).toBe(1);
      expect(cli.stderr.trim()).toMatch(/^annals: PostgreSQL did not answer: connect ECONNREFUSED 127\.0\.0\.1:25361$/);
    } finally {
      await postgres.start();
    }
    await eventually('the api to answer again', async () => ((await fetchFrom(baseUrl, '/coalitions')).status === 200 ? true : undefined), 60_000, 200);
    expect((await fetchFrom(baseUrl, '/health/ready')).status).toBe(200);
    expect(sample((await fetchFrom(baseUrl, '/metrics')).text, 'annals_source_up', 'source="postgres"')).toBe('1');
  });
});

/**
 * PostgreSQL frozen under a running api (every process of a server of the test's own stopped
 * with SIGSTOP): the connections stay open and nothing refuses or resets them, as with a
 * stopped host, hung storage or a path that drops packets. Statements sent to it used to wait
 * until it came back, so requests hung and held their pool slots; the api now gives up on a
 * connection silent for the statement timeout and a grace, and answers 503.
 */
describe('queries: the api while PostgreSQL is frozen', () => {
  // below the ephemeral port range, as tools/stack/profiles.ts explains
  const postgres = new OwnPostgres('api-frozen', 25362);
  let api: NestExpressApplication | undefined;
  let baseUrl = '';

  beforeAll(async () => {
    await postgres.create();
    const port = await freePort();
    api = await startApi({
      KAFKA_BROKERS: testServers().kafkaBrokers.join(','),
      DATABASE_URL: postgres.appUrl,
      DATABASE_STATEMENT_TIMEOUT_MS: '500',
      ...ingestorTopics('apifrozen'),
      PORT: String(port),
      LOG_LEVEL: 'fatal',
    });
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    postgres.thaw();
    await api?.close();
    await postgres.destroy();
  });

  it('answers 503 with Retry-After instead of hanging, and answers again once PostgreSQL is back', async () => {
    // the pool holds connections to the server when it freezes
    expect((await fetchFrom(baseUrl, '/coalitions')).status).toBe(200);
    postgres.freeze();
    try {
      // the test's own patience, far beyond the api's 500 ms statement timeout and grace, so that a hang fails here
      const patience = AbortSignal.timeout(60_000);
      const answers = await Promise.all(
        ['/coalitions', '/coalitions/coalition-against-isis?at=2014-10-01', '/countries/FR/coalitions'].map(async (path) => {
          const response = await fetch(`${baseUrl}${path}`, { signal: patience }).catch((error: Error) => error.name);
          return typeof response === 'string' ? { path, hung: response } : { path, status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
        }),
      );
      for (const answer of answers) {
        expect(answer).toEqual({ path: answer.path, status: 503, retryAfter: '1', body: { error: 'unavailable', message: expect.stringMatching(/^the database is unavailable/) } });
      }
      expect((await fetchFrom(baseUrl, '/health/ready')).status).toBe(503);
    } finally {
      postgres.thaw();
    }
    await eventually('the api to answer again', async () => ((await fetchFrom(baseUrl, '/coalitions')).status === 200 ? true : undefined), 60_000, 200);
    expect((await fetchFrom(baseUrl, '/health/ready')).status).toBe(200);
  });
});
