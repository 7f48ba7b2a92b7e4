import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { consumerLag } from '@annals/kafka';
import { createTestDatabase, ingestorTopics, produce, testKafka, testServers, waitForZeroLag, type TestDatabase } from '@annals/testing';
import { message, randomReport, rng } from '../../support/news-factory';

const ROOT = join(__dirname, '../../..');

describe('ingestion: annals reprocess reads the news topic again', () => {
  let db: TestDatabase;
  let app: INestMicroservice | undefined;
  const topics = ingestorTopics('reprocess');
  const random = rng(7);
  const brokers = () => testServers().kafkaBrokers.join(',');
  const env = () => ({ KAFKA_BROKERS: brokers(), DATABASE_URL: db.appUrl, ...topics, LOG_LEVEL: 'error' });
  const reprocess = (...args: string[]) => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), 'reprocess', ...args, '--brokers', brokers(), '--topic', topics.KAFKA_TOPIC, '--group', topics.KAFKA_GROUP_ID], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: run.status, out: run.stdout, err: run.stderr.trim() };
  };
  const stored = async () => (await db.appPool().query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
  const lag = async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      return await consumerLag(admin, topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    } finally {
      await admin.disconnect();
    }
  };
  const publish = (n: number, prefix: string) => produce(topics.KAFKA_TOPIC, Array.from({ length: n }, (_, i) => message(randomReport(random, `${prefix}-${i}`))));

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startIngestor(env());
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('is refused while an ingestor consumes, changing nothing', async () => {
    await publish(6, 'first');
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    expect(await stored()).toBe(6);
    const run = reprocess();
    expect(run.code).toBe(1);
    expect(run.err).toMatch(new RegExp(`^annals: consumer group ${topics.KAFKA_GROUP_ID} has 1 member\\(s\\) \\(\\w+\\): stop its consumers \\(the ingestors\\) first`));
    expect(await lag()).toBe(0);
  });

  it('with the ingestors stopped, rewinds the group to the first message; started again, they store nothing twice', async () => {
    await app!.close();
    app = undefined;
    const run = reprocess();
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/^6 message\(s\) to read again when the ingestors start/m);
    expect(await lag()).toBe(6);
    app = await startIngestor(env());
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    expect(await stored()).toBe(6);
  });

  it('--since rewinds to the first message Kafka stamped at or after that time', async () => {
    // Kafka stamps messages with the producer's clock (CreateTime), which is this machine's
    const since = new Date(Date.now() + 1000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await publish(3, 'later');
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    expect(await stored()).toBe(9);
    await app!.close();
    app = undefined;
    const run = reprocess('--since', since.toISOString());
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain(`to the first messages since ${since.toISOString()}`);
    expect(await lag()).toBe(3);
    app = await startIngestor(env());
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    expect(await stored()).toBe(9);
  });

  it('--since never moves the group past messages it has not read yet: they are still ingested', async () => {
    await app!.close();
    app = undefined;
    // published while no ingestor runs: the group has not read them
    await publish(4, 'unread');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const since = new Date(Date.now() - 500);
    const run = reprocess('--since', since.toISOString());
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/^\d+ partition\(s\) left where they were: the group had not read up to --since there yet/m);
    expect(await lag()).toBe(4);
    app = await startIngestor(env());
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    expect(await stored()).toBe(13);
  });

  it('names a topic that does not exist, changing nothing', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), 'reprocess', '--brokers', brokers(), '--topic', `${topics.KAFKA_TOPIC}-typo`, '--group', topics.KAFKA_GROUP_ID], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`annals: topic "${topics.KAFKA_TOPIC}-typo" does not exist on the brokers: nothing to rewind (the ingestors create it when they start)`);
  });

  it.each([
    [['--since', 'last tuesday'], 'annals: --since: must be YYYY-MM-DD or an RFC 3339 date-time with an offset, like 2014-09-19T10:00:00Z'],
    [['--since', '2014-02-30'], 'annals: --since: day 30 does not exist in 2014-02'],
    [['--since', '2999-01-01'], 'annals: --since: 2999-01-01T00:00:00.000Z is in the future: no message was stamped since then'],
  ])('refuses %j, naming the option', (args, message) => {
    const run = reprocess(...args);
    expect(run.code).toBe(1);
    expect(run.err).toBe(message);
  });
});
