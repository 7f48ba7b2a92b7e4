import type { INestMicroservice } from '@nestjs/common';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { DeadLetterPublisher, readDeadLetters } from '@annals/ingestion';
import { createTopicsWithLeaders } from '@annals/kafka';
import { createTestDatabase, ingestorTopics, produce, testKafka, testServers, waitForZeroLag, type TestDatabase } from '@annals/testing';
import { dlqCli } from '../../support/dlq-cli';
import { message, randomReport, rng } from '../../support/news-factory';
/** The dead-letter topic's limit here: an operator's topic taking less than the news topic does. */
const DLQ_MAX_MESSAGE_BYTES = 100_000;

/**
 * Annals creates its dead-letter topic with room for any message its news topic takes, but an
 * operator may have created both beforehand, the dead-letter topic taking less. A letter Kafka
 * refuses as too large used to stop the ingestor on that partition for good: it retried the
 * letter, committing nothing, and no later report of the partition was stored.
 */
describe('ingestion: a dead-letter topic that takes smaller messages than the news topic', () => {
  let db: TestDatabase;
  let app: INestMicroservice;
  const topics = ingestorTopics('dlq-small');
  const brokers = () => testServers().kafkaBrokers.join(',');
  const annals = dlqCli(topics);

  beforeAll(async () => {
    db = await createTestDatabase();
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await createTopicsWithLeaders(admin, [
        { topic: topics.KAFKA_TOPIC, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(2 * 1024 * 1024) }] },
        { topic: topics.KAFKA_DLQ_TOPIC, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(DLQ_MAX_MESSAGE_BYTES) }] },
      ]);
    } finally {
      await admin.disconnect();
    }
    app = await startIngestor({ KAFKA_BROKERS: brokers(), DATABASE_URL: db.appUrl, ...topics, LOG_LEVEL: 'fatal' });
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('goes on storing reports; the letter keeps the beginning of the value, its size and its origin, and a re-drive leaves it, naming where the whole message is', async () => {
    const report = randomReport(rng(7), 'dlq-small-after');
    // not JSON, 300 kB: within the news topic's limit and the contract's, three times the letter's
    const broken = Buffer.from(`{"id": "dlq-small-broken", "note": "${'é'.repeat(150_000)}`);
    await produce(topics.KAFKA_TOPIC, [{ key: 'k', value: broken, headers: { 'x-producer': 'test-suite' } }, message(report)]);
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC, 60_000);

    const stored = await db.appPool().query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events WHERE idempotency_key = $1', [report.id]);
    expect(stored.rows[0]!.n).toBe(1);

    const [letter, ...others] = await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC);
    expect(others).toEqual([]);
    expect(letter).toMatchObject({ reason: 'not-json', original: { topic: topics.KAFKA_TOPIC, partition: 0, offset: '0' }, valueCutFrom: broken.length });
    expect(letter!.key?.toString()).toBe('k');
    expect(letter!.headers['x-producer']?.toString()).toBe('test-suite');
    // the beginning of the value, cut where a character starts, as much as the topic takes
    expect(letter!.value!.length).toBeGreaterThan(DLQ_MAX_MESSAGE_BYTES / 2);
    expect(letter!.value!.length).toBeLessThan(DLQ_MAX_MESSAGE_BYTES);
    expect(broken.subarray(0, letter!.value!.length).equals(letter!.value!)).toBe(true);
    expect(letter!.value!.toString('utf8')).not.toContain('\uFFFD');

    const list = annals('dlq', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toContain(`value cut to its first ${letter!.value!.length} of ${broken.length} bytes`);
    const json = JSON.parse(annals('dlq', 'list', '--json').out.trim()) as { valueBytes: number; valueCutFrom: number | null };
    expect(json).toMatchObject({ valueBytes: letter!.value!.length, valueCutFrom: broken.length });

    // a re-drive would publish a message the producer never sent: the letter stays, and the command says where the whole one is
    const redrive = annals('dlq', 'redrive');
    expect(redrive.code).toBe(0);
    expect(redrive.out).toContain('re-drove 0 dead letter(s)');
    expect(redrive.out).toContain(`left 1 dead letter(s) whose value was cut to fit ${topics.KAFKA_DLQ_TOPIC}; the whole messages are on their topic until its retention ends: ${topics.KAFKA_TOPIC}/0@0`);
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topics.KAFKA_TOPIC);
      expect(offsets.map((o) => o.high)).toEqual(['2']);
    } finally {
      await admin.disconnect();
    }
  });

  it('the publisher reports which letters it cut, with what was kept of how much and the limit, and leaves whole those that fit', async () => {
    const publisher = new DeadLetterPublisher(testKafka(), topics.KAFKA_DLQ_TOPIC);
    const letter = (offset: string, value: Buffer) => ({ topic: topics.KAFKA_TOPIC, partition: 0, offset, key: null, value, headers: {}, rejection: { reason: 'not-json' as const, detail: 'refused' } });
    try {
      const cut = await publisher.publish([letter('900', Buffer.from('{"small": ')), letter('901', Buffer.from('x'.repeat(150_000)))]);
      expect(cut).toEqual([{ topic: topics.KAFKA_TOPIC, partition: 0, offset: '901', valueBytes: expect.any(Number), cutFrom: 150_000, maxBytes: expect.any(Number) }]);
      expect(cut[0]!.maxBytes).toBeLessThanOrEqual(DLQ_MAX_MESSAGE_BYTES);
      expect(cut[0]!.valueBytes).toBeLessThan(cut[0]!.maxBytes);
    } finally {
      await publisher.disconnect();
    }
    const stored = (await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC)).filter((l) => Number(l.original.offset) >= 900);
    expect(stored.map((l) => [l.original.offset, l.valueCutFrom])).toEqual([
      ['900', null],
      ['901', 150_000],
    ]);
  });
});
