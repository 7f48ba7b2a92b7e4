import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseNewsEvent, REJECTION_REASONS } from '@annals/contracts';
import { readDeadLetters } from '@annals/ingestion';
import { readTopicToEnd } from '@annals/kafka';
import { createTestDatabase, eventually, ingestorTopics, produce, testKafka, testServers, waitForZeroLag, type TestDatabase } from '@annals/testing';
import { AppProcess } from '../../../tools/runtime/app-process';
import { hostileMessageValue } from '../../support/hostile-input';

/** Resident memory of a process, from /proc (Linux). */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * The ingestor, in a process of its own, fed thousands of fuzzed messages (fast-check, fixed
 * seed): every message ends either stored, exactly as the validator normalized it, or on the
 * dead-letter topic with a reason -- never both, never neither; the process never crashes and
 * its memory stays bounded.
 */
describe('ingestion: hostile input fuzzed into the ingestor', () => {
  let db: TestDatabase;
  const topics = ingestorTopics('fuzz');

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('each message is stored or dead-lettered with a reason; no crash; memory bounded', async () => {
    const values = fc.sample(hostileMessageValue, { seed: 20141019, numRuns: 3_000 });
    const ingestor = new AppProcess('ingestor', join(__dirname, '../../artifacts/logs', `${topics.KAFKA_TOPIC}.log`));
    ingestor.start({ KAFKA_BROKERS: testServers().kafkaBrokers.join(','), DATABASE_URL: db.appUrl, ...topics, LOG_LEVEL: 'error' });
    let peakMb = 0;
    const sampler = setInterval(() => {
      if (!ingestor.exited) peakMb = Math.max(peakMb, rssMb(ingestor.pid!));
    }, 100);
    try {
      // the ingestor creates its topics (2 MiB per record batch), so that the broker accepts every test message
      const admin = testKafka().admin();
      await admin.connect();
      await eventually('the ingestor to create its topic', async () => ((await admin.listTopics()).includes(topics.KAFKA_TOPIC) ? true : undefined), 120_000);
      await admin.disconnect();
      const messages = values.map((value, i) => ({ key: `k${i % 7}`, value }));
      // near-limit messages one per request: two of them in one record batch would pass 2 MiB
      await produce(topics.KAFKA_TOPIC, messages.filter((m) => m.value.length < 100_000), 200);
      await produce(topics.KAFKA_TOPIC, messages.filter((m) => m.value.length >= 100_000), 1);
      await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC, 300_000);
      expect(ingestor.crashed).toBe(false);
    } finally {
      clearInterval(sampler);
      await ingestor.stop();
    }

    // what happened to each message, by its offset
    const pool = db.appPool();
    const { rows } = await pool.query<{ partition: number; offset: string; payload: unknown; id: string }>(
      `SELECT (metadata->'source'->>'partition')::int AS partition, metadata->'source'->>'offset' AS offset, payload, idempotency_key AS id
         FROM event_store.events`,
    );
    const stored = new Map(rows.map((r) => [`${r.partition}/${r.offset}`, r]));
    const storedIds = new Set(rows.map((r) => r.id));
    const letters = await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC);
    const dead = new Map(letters.map((l) => [`${l.original.partition}/${l.original.offset}`, l]));
    const published: Array<{ at: string; value: Buffer }> = [];
    const admin = testKafka().admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topics.KAFKA_TOPIC);
    await admin.disconnect();
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(values.length);
    await readTopicToEnd(testKafka(), topics.KAFKA_TOPIC, (partition, m) => void published.push({ at: `${partition}/${m.offset}`, value: m.value ?? Buffer.alloc(0) }));
    expect(published).toHaveLength(values.length);

    let repeats = 0;
    for (const { at, value } of published) {
      const row = stored.get(at);
      const letter = dead.get(at);
      const parsed = parseNewsEvent(value);
      // a repeat of a stored report (same id, same content) is a no-op by contract: neither stored again nor refused
      if (!row && !letter && parsed.ok && storedIds.has(parsed.event.id)) {
        repeats++;
        continue;
      }
      // otherwise exactly one of the two
      expect({ at, outcomes: Number(!!row) + Number(!!letter) }).toEqual({ at, outcomes: 1 });
      if (row) {
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect(row.id).toBe(parsed.event.id);
      } else {
        expect(Object.keys(REJECTION_REASONS)).toContain(letter!.reason);
        expect(letter!.detail.length).toBeGreaterThan(0);
        // the validator's own reason, or an id conflict / processing failure it could not see
        if (!parsed.ok) expect(letter!.reason).toBe(parsed.rejection.reason);
        expect(Buffer.compare(letter!.value ?? Buffer.alloc(0), value)).toBe(0);
      }
    }
    // the fuzz reached both outcomes in earnest (repeats are the rare same-id, same-content samples)
    expect(repeats).toBeLessThan(values.length / 10);
    expect(stored.size).toBeGreaterThan(100);
    expect(dead.size).toBeGreaterThan(1_000);
    // Bounded: batches are capped (4 MiB per partition fetch, 1 MiB per message), so memory does not grow with the input.
    expect(peakMb).toBeLessThan(1_024);
  });
});
