import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { createTestDatabase, ingestorTopics, testKafka, testServers, waitForZeroLag, type TestDatabase } from '@annals/testing';

const ROOT = join(__dirname, '../../..');
const SEED = join(ROOT, 'data/seed/coalition-against-isis.ndjson');

function annals(args: string[], input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 120_000, env: { ...process.env, ...env } });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('ingestion: the publisher CLI and the seed dataset', () => {
  let db: TestDatabase;
  let app: INestMicroservice;
  const topics = ingestorTopics('seed');
  const brokers = () => testServers().kafkaBrokers.join(',');

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startIngestor({ KAFKA_BROKERS: brokers(), DATABASE_URL: db.appUrl, ...topics, LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  const storedIds = async () => (await db.appPool().query<{ idempotency_key: string }>('SELECT idempotency_key FROM event_store.events')).rows.map((r) => r.idempotency_key);
  const seedIds = readFileSync(SEED, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id);

  it('publishing the seed leaves exactly one stored event per report; publishing it again changes nothing', async () => {
    const first = annals(['publish', SEED, '--brokers', brokers(), '--topic', topics.KAFKA_TOPIC]);
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toMatch(new RegExp(`${seedIds.length} published to ${topics.KAFKA_TOPIC}.*0 invalid`));
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    expect((await storedIds()).sort()).toEqual([...seedIds].sort());

    expect(annals(['publish', SEED, '--brokers', brokers(), '--topic', topics.KAFKA_TOPIC]).code).toBe(0);
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    expect((await storedIds()).sort()).toEqual([...seedIds].sort());
  });

  it('reports invalid lines with their numbers and reasons, publishes the valid ones, and exits non-zero', () => {
    const lines = [
      readFileSync(SEED, 'utf8').split('\n')[0],
      '{"id": "broken"',
      '',
      JSON.stringify({ id: 'x', type: 'coalition.member-joined', occurredAt: '2014-09-19', source: { publisher: 'TASS' }, data: { coalitionId: 'c', country: 'XX' } }),
    ].join('\n');
    const result = annals(['publish', '-', '--brokers', brokers(), '--topic', topics.KAFKA_TOPIC], lines);
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/1 published .* 2 invalid \(of 3 lines\)/);
    expect(result.out).toMatch(/line 2: not-json:/);
    expect(result.out).toMatch(/line 4: invalid-country: data\.country/);
  });

  it('refuses a malformed broker setting with a message that names it as given', () => {
    const result = annals(['publish', SEED, '--brokers', 'not a broker']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/--brokers must be a comma-separated list of host:port/);
    const fromEnvironment = annals(['publish', SEED], '', { KAFKA_BROKERS: 'not a broker' });
    expect(fromEnvironment.code).toBe(1);
    expect(fromEnvironment.out).toMatch(/KAFKA_BROKERS must be a comma-separated list of host:port/);
  });

  it('names a topic that does not exist, alone, without a stack trace, and creates nothing', async () => {
    const result = annals(['publish', SEED, '--brokers', brokers(), '--topic', `${topics.KAFKA_TOPIC}-typo`]);
    expect(result.code).toBe(1);
    expect(result.out.trim()).toBe(`annals: topic "${topics.KAFKA_TOPIC}-typo" does not exist on the brokers: Annals' producers never create topics (the ingestors create theirs when they start)`);
    const admin = testKafka().admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(`${topics.KAFKA_TOPIC}-typo`);
    } finally {
      await admin.disconnect();
    }
  });

  it('names a file it cannot read, and a directory given as the file, publishing nothing', () => {
    const directory = annals(['publish', join(ROOT, 'data'), '--brokers', brokers(), '--topic', topics.KAFKA_TOPIC]);
    expect(directory).toEqual({ code: 1, out: `annals: ${join(ROOT, 'data')} is a directory: give an .ndjson file, or - for standard input\n` });
    const missing = annals(['publish', join(ROOT, 'data/no-such.ndjson'), '--brokers', brokers(), '--topic', topics.KAFKA_TOPIC]);
    expect(missing).toEqual({ code: 1, out: `annals: cannot read ${join(ROOT, 'data/no-such.ndjson')}: ENOENT: no such file or directory\n` });
  });

  it('publishes reports close to the 1 MiB limit that go to one partition: Kafka limits a batch, not a message', async () => {
    // valid JSON padded with whitespace to 900 kB each, all keyed by the same coalition
    const large = ['large-1', 'large-2', 'large-3'].map((id) => {
      const report = JSON.stringify({ id, type: 'coalition.member-joined', occurredAt: '2014-09-19', source: { publisher: 'TASS', publishedAt: '2015-12-09' }, data: { coalitionId: 'coalition-against-isis', country: 'FR' } });
      return `${report.slice(0, -1)}${' '.repeat(900_000)}}`;
    });
    const result = annals(['publish', '-', '--brokers', brokers(), '--topic', topics.KAFKA_TOPIC], `${large.join('\n')}\n`);
    expect(result).toEqual({ code: 0, out: expect.stringMatching(/^3 published to .*, 0 invalid \(of 3 lines\)\n$/) });
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    expect(await storedIds()).toEqual(expect.arrayContaining(['large-1', 'large-2', 'large-3']));
  });
});
