import type { INestMicroservice } from '@nestjs/common';
import type { Message } from 'kafkajs';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { readDeadLetters } from '@annals/ingestion';
import { createTestDatabase, ingestorTopics, produce, testKafka, testServers, waitForZeroLag, type TestDatabase } from '@annals/testing';
import { MALFORMED, message, randomReport, rng, type Report } from '../../support/news-factory';

describe('ingestion: a mixed stream of 10,000 messages', () => {
  let db: TestDatabase;
  let app: INestMicroservice;
  const topics = ingestorTopics('mixed');

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startIngestor({ KAFKA_BROKERS: testServers().kafkaBrokers.join(','), DATABASE_URL: db.appUrl, ...topics, KAFKA_TOPIC_PARTITIONS: '4', LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('stores every valid report once, dead-letters every malformed one with its reason, reaches zero lag, and loses nothing', async () => {
    const random = rng(20151209);
    const valid: Report[] = Array.from({ length: 9_200 }, (_, i) => randomReport(random, `report-${i}`));
    const expectedDead = new Map<string, number>();
    const sendsFirst: Message[] = [];
    const sendsLater: Message[] = [];
    for (const report of valid) sendsFirst.push(message(report));
    // 300 redeliveries of valid reports: the same content again, some in the same run of sends, some later
    for (let i = 0; i < 300; i++) (i % 2 ? sendsFirst : sendsLater).push(message(valid[Math.floor(random() * valid.length)]!));
    // 500 malformed messages of every kind, mixed in
    let malformed = 0;
    const huge: Message[] = [];
    for (let i = 0; malformed < 450; i++) {
      const kind = MALFORMED[i % MALFORMED.length]!;
      if (kind.reason === 'payload-too-large') {
        if (i > 40) continue; // a few megabyte messages are enough; sent one per request (a record batch has a size limit too)
        huge.push(kind.make(valid[i]!, i));
      } else {
        sendsFirst.splice(Math.floor(random() * sendsFirst.length), 0, kind.make(valid[i]!, i));
      }
      expectedDead.set(kind.reason, (expectedDead.get(kind.reason) ?? 0) + 1);
      malformed++;
    }
    // 50 id conflicts: a stored id with other content, sent after the original in its partition
    for (let i = 0; i < 50; i++) {
      const original = valid[i * 7]!;
      sendsLater.push(message({ ...original, occurredAt: '2016-06-06' }));
      expectedDead.set('id-conflict', (expectedDead.get('id-conflict') ?? 0) + 1);
    }
    expect(sendsFirst.length + huge.length + sendsLater.length).toBe(10_000);

    await produce(topics.KAFKA_TOPIC, sendsFirst);
    await produce(topics.KAFKA_TOPIC, huge, 1);
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    await produce(topics.KAFKA_TOPIC, sendsLater);
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);

    const pool = db.appPool();
    const { rows } = await pool.query<{ idempotency_key: string }>('SELECT idempotency_key FROM event_store.events');
    const stored = rows.map((r) => r.idempotency_key);
    expect(stored.length).toBe(valid.length);
    expect(new Set(stored)).toEqual(new Set(valid.map((r) => r.id)));

    const letters = await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC);
    const byReason = new Map<string, number>();
    for (const l of letters) byReason.set(l.reason, (byReason.get(l.reason) ?? 0) + 1);
    expect(Object.fromEntries([...byReason].sort())).toEqual(Object.fromEntries([...expectedDead].sort()));
    // stored + dead-lettered = distinct messages published
    expect(stored.length + letters.length).toBe(valid.length + 500);
    // every dead letter carries the original's origin, and its detail names what was wrong
    expect(letters.every((l) => l.original.topic === topics.KAFKA_TOPIC && l.detail.length > 0)).toBe(true);
    expect(letters.find((l) => l.reason === 'invalid-country')!.detail).toMatch(/data\.country: .*"XX"/);
    expect(await pool.query('SELECT 1 FROM event_store.verify()').then((r) => r.rowCount)).toBe(0);
  });
});
