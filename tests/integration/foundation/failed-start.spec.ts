import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { Admin } from 'kafkajs';
import { startApi } from '../../../apps/api/src/bootstrap';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { startProjector } from '../../../apps/projector/src/bootstrap';
import { createTestDatabase, eventually, freePort, ingestorTopics, testKafka, testServers, type TestDatabase } from '@annals/testing';

/** This process's open TCP connections to a server port (from /proc: the sockets among its fds). */
function connectionsTo(port: number): number {
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith('socket:[')) mine.add(target.slice(8, -1));
    } catch {
      // closed between the listing and the read
    }
  }
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  // columns: sl, local, remote, state (01 = ESTABLISHED), ..., inode (the tenth)
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length > 9 && cols[2].endsWith(`:${hex}`) && cols[3] === '01' && mine.has(cols[9])).length;
}

/**
 * An app whose start fails after it opened connections (its port taken, found only when it
 * listens) closes them before the error goes on. A process exits on the error anyway; a caller
 * that goes on (a test starting a second deployment) must not be left with Kafka and PostgreSQL
 * clients open behind its back, keeping the process from ever exiting.
 * (The projector is started by NestFactory.createApplicationContext, which initializes the app
 * itself and, when that fails, never returns it to be closed: not covered here.)
 */
describe('foundation: an app whose port is taken fails to start and leaves no connection open', () => {
  let db: TestDatabase;
  let admin: Admin;
  let taken: Server;
  let takenPort = 0;
  let kafkaPort = 0;
  let postgresPort = 0;

  beforeAll(async () => {
    db = await createTestDatabase('failed_start');
    admin = testKafka().admin();
    await admin.connect();
    takenPort = await freePort();
    taken = await new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(takenPort, '127.0.0.1', () => resolve(server));
    });
    kafkaPort = Number(testServers().kafkaBrokers[0].split(':').pop());
    postgresPort = Number(new URL(db.appUrl).port);
  });
  afterAll(async () => {
    taken.close();
    await admin.disconnect();
    await db.drop();
  });

  function env(extra: Record<string, string>): Record<string, string> {
    return { KAFKA_BROKERS: testServers().kafkaBrokers.join(','), DATABASE_URL: db.appUrl, ...ingestorTopics('failed-start'), LOG_LEVEL: 'fatal', ...extra };
  }

  /**
   * A failed start closed what it opened: this process is back to the connections it had before.
   * The app's idle clients would otherwise stay: PostgreSQL's for the pool's 10 s idle timeout,
   * Kafka's until the broker drops idle connections (10 minutes); the wait allows only for
   * sockets closing.
   */
  async function backTo(before: { kafka: number; postgres: number }): Promise<void> {
    await eventually(
      "the failed app's connections to close",
      async () => (connectionsTo(kafkaPort) <= before.kafka && connectionsTo(postgresPort) <= before.postgres ? true : undefined),
      5_000,
      50,
    );
  }

  it('the ingestor (its metrics port taken): the start rejects saying so, and no consumer or connection of it is left', async () => {
    const settings = env({ METRICS_PORT: String(takenPort) });
    const before = { kafka: connectionsTo(kafkaPort), postgres: connectionsTo(postgresPort) };
    await expect(startIngestor(settings)).rejects.toThrow(`EADDRINUSE: address already in use 127.0.0.1:${takenPort}`);
    await backTo(before);
    const [group] = (await admin.describeGroups([settings.KAFKA_GROUP_ID])).groups;
    expect(group.members).toEqual([]);
  });

  it('the projector (its metrics port taken): the start rejects saying so, and its PostgreSQL clients are closed', async () => {
    const before = { kafka: connectionsTo(kafkaPort), postgres: connectionsTo(postgresPort) };
    await expect(startProjector(env({ METRICS_PORT: String(takenPort) }))).rejects.toThrow(`EADDRINUSE: address already in use 127.0.0.1:${takenPort}`);
    await backTo(before);
  });

  it('the api (its port taken): the start rejects saying so, and its Kafka and PostgreSQL clients are closed', async () => {
    const before = { kafka: connectionsTo(kafkaPort), postgres: connectionsTo(postgresPort) };
    await expect(startApi(env({ PORT: String(takenPort) }))).rejects.toThrow(`EADDRINUSE: address already in use 127.0.0.1:${takenPort}`);
    await backTo(before);
  });
});
