import type { INestMicroservice } from '@nestjs/common';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { DeadLetterPublisher, readDeadLetters } from '@annals/ingestion';
import { createTestDatabase, eventually, ingestorTopics, produce, testKafka, testServers, waitForZeroLag, type TestDatabase } from '@annals/testing';
import { dlqCli } from '../../support/dlq-cli';
import { MALFORMED, message, randomReport, rng } from '../../support/news-factory';

describe('ingestion: the dead-letter topic and the dlq commands', () => {
  let db: TestDatabase;
  let app: INestMicroservice;
  const topics = ingestorTopics('dlq');
  const brokers = () => testServers().kafkaBrokers.join(',');
  const annals = dlqCli(topics);

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startIngestor({ KAFKA_BROKERS: brokers(), DATABASE_URL: db.appUrl, ...topics, LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('lists dead letters by reason with their details, and re-drives them after a fix without duplicating anything', async () => {
    const random = rng(99);
    const base = randomReport(random, 'dlq-base');
    const notJson = MALFORMED.find((m) => m.reason === 'not-json')!.make(base, 1);
    const badCountry = MALFORMED.find((m) => m.reason === 'invalid-country')!.make(base, 2);
    await produce(topics.KAFKA_TOPIC, [{ ...notJson, headers: { 'x-producer': 'test-suite' } }, badCountry]);
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);

    // A report dead-lettered as unsupported-version by an older Annals, valid for this one: the "fix" is the upgrade.
    const fixed = randomReport(random, 'dlq-fixed-by-upgrade');
    const older = new DeadLetterPublisher(testKafka(), topics.KAFKA_DLQ_TOPIC);
    await older.publish([{ topic: topics.KAFKA_TOPIC, partition: 0, offset: '999', ...message(fixed), key: Buffer.from(String(message(fixed).key)), value: Buffer.from(String(message(fixed).value)), headers: {}, rejection: { reason: 'unsupported-version', detail: 'schemaVersion: 2 is newer than the supported version 1' } }]);
    await older.disconnect();

    const list = annals('dlq', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/3 dead letter\(s\)/);
    expect(list.out).toMatch(/not-json\s+1/);
    expect(list.out).toMatch(/invalid-country\s+1/);
    expect(list.out).toMatch(/unsupported-version\s+1/);
    expect(list.out).toMatch(/data\.country: is not an ISO 3166-1 alpha-2 country code/);
    const letters = await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC);
    const notJsonLetter = letters.find((l) => l.reason === 'not-json')!;
    // the original key, value and headers travel with the reason and the origin
    expect(notJsonLetter.value?.toString()).toBe(String(notJson.value));
    expect(notJsonLetter.key?.toString()).toBe(String(notJson.key));
    expect(notJsonLetter.headers['x-producer']?.toString()).toBe('test-suite');
    expect(notJsonLetter.original).toEqual({ topic: topics.KAFKA_TOPIC, partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/) });
    const onlyCountry = annals('dlq', 'list', '--reason', 'invalid-country');
    expect(onlyCountry.out).toMatch(/^1 dead letter\(s\) with reason invalid-country on /);
    expect(onlyCountry.out).not.toMatch(/not-json/);
    expect(annals('dlq', 'list', '--reason', 'invalid-contry').out.trim()).toMatch(/^annals: --reason: "invalid-contry" is not a rejection reason; one of /);
    const json = annals('dlq', 'list', '--json').out.trim().split('\n').map((line) => JSON.parse(line) as { reason: string; original: { topic: string } });
    expect(json.map((l) => l.reason).sort()).toEqual(['invalid-country', 'not-json', 'unsupported-version']);

    const stored = async () => (await db.appPool().query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events WHERE idempotency_key = $1', [fixed.id])).rows[0]!.n;
    for (let round = 0; round < 2; round++) {
      const redrive = annals('dlq', 'redrive', '--reason', 'unsupported-version');
      expect(redrive).toMatchObject({ code: 0 });
      expect(redrive.out).toMatch(/re-drove 1 dead letter\(s\) with reason unsupported-version/);
      await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
      await eventually('the re-driven report', async () => ((await stored()) === 1 ? true : undefined));
    }
    // the second re-drive was a no-op: still one event, and nothing new on the dead-letter topic
    expect(await stored()).toBe(1);
    expect(annals('dlq', 'list').out).toMatch(/3 dead letter\(s\)/);
    // a mistyped reason is refused, naming the known ones, instead of re-driving nothing
    const typo = annals('dlq', 'redrive', '--reason', 'unsuported-version');
    expect(typo.code).toBe(1);
    expect(typo.out.trim()).toMatch(/^annals: --reason: "unsuported-version" is not a rejection reason; one of payload-too-large, .*unsupported-version.*$/);
    expect(annals('dlq', 'list').out).toMatch(/3 dead letter\(s\)/);
  });

  it('a letter refused again after a re-drive replaces the one it came from: re-driving everything, again and again, does not double them', async () => {
    // standing from the test above: not-json and invalid-country (still refused), unsupported-version (stored since)
    const before = await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC);
    expect(before.map((l) => [l.reason, l.redrives]).sort()).toEqual([['invalid-country', 0], ['not-json', 0], ['unsupported-version', 0]]);
    for (let round = 1; round <= 2; round++) {
      const redrive = annals('dlq', 'redrive');
      expect(redrive).toMatchObject({ code: 0 });
      // every standing letter, the stored one too (a no-op), and none of the letters it replaced
      expect(redrive.out).toMatch(/re-drove 3 dead letter\(s\) to /);
      await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
      const letters = await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC);
      expect(letters.map((l) => [l.reason, l.redrives]).sort()).toEqual([['invalid-country', round], ['not-json', round], ['unsupported-version', 0]]);
      // the letter standing is the message as it was first sent, its own headers too
      const notJson = letters.find((l) => l.reason === 'not-json')!;
      expect(notJson.value?.toString()).toBe(before.find((l) => l.reason === 'not-json')!.value?.toString());
      expect(notJson.headers['x-producer']?.toString()).toBe('test-suite');
      expect(notJson.original.offset).not.toBe(before.find((l) => l.reason === 'not-json')!.original.offset);
    }
    const list = annals('dlq', 'list');
    expect(list.out).toMatch(/3 dead letter\(s\)/);
    expect(list.out).toMatch(/not-json\s+2×/);
  });

  it('a letter is replaced only by its own message refused again: another message carrying the header hides nothing', async () => {
    const standing = await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC);
    const target = standing.find((l) => l.reason === 'not-json')!;
    await produce(topics.KAFKA_TOPIC, [{ key: 'spoof', value: 'not json either', headers: { 'annals-dlq-redriven-from': `${target.partition}@${target.offset}` } }]);
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    const letters = await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC);
    expect(letters).toHaveLength(standing.length + 1);
    expect(letters.filter((l) => l.reason === 'not-json').map((l) => [l.key?.toString(), l.redrives]).sort()).toEqual([[target.key?.toString(), 2], ['spoof', 0]].sort());
  });

  it.each(['list', 'redrive'])('dlq %s names a dead-letter topic that does not exist rather than finding no letters on it', (command) => {
    const result = dlqCli({ ...topics, KAFKA_DLQ_TOPIC: `${topics.KAFKA_DLQ_TOPIC}-typo` })('dlq', command);
    expect({ code: result.code, out: result.stdout, err: result.stderr.trim() }).toEqual({
      code: 1,
      out: '',
      err: `annals: topic "${topics.KAFKA_DLQ_TOPIC}-typo" does not exist on the brokers: the ingestors create it when they start`,
    });
  });

  it('re-drives letters close to the 1 MiB limit that go to one partition, without holding every letter\'s value', async () => {
    // valid reports padded with whitespace to 900 kB, dead-lettered by an older Annals, same key
    const large = ['dlq-large-1', 'dlq-large-2', 'dlq-large-3'].map((id) => {
      const report = JSON.stringify({ id, type: 'coalition.member-joined', occurredAt: '2014-09-19', source: { publisher: 'TASS', publishedAt: '2015-12-09' }, data: { coalitionId: 'coalition-large', country: 'FR' } });
      return Buffer.from(`${report.slice(0, -1)}${' '.repeat(900_000)}}`);
    });
    const older = new DeadLetterPublisher(testKafka(), topics.KAFKA_DLQ_TOPIC);
    await older.publish(
      large.map((value, i) => ({ topic: topics.KAFKA_TOPIC, partition: 0, offset: String(5000 + i), key: Buffer.from('coalition-large'), value, headers: {}, rejection: { reason: 'contract-violation' as const, detail: 'refused by an older Annals' } })),
    );
    await older.disconnect();

    // listed with their size, and as much of the value as is shown
    const listed = annals('dlq', 'list', '--json', '--reason', 'contract-violation')
      .out.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { value: string; valueBytes: number; original: { offset: string } })
      .filter((l) => Number(l.original.offset) >= 5000);
    expect(listed.map((l) => [l.valueBytes, l.value.length])).toEqual(large.map((v) => [v.length, 2000]));

    const redrive = annals('dlq', 'redrive', '--reason', 'contract-violation');
    expect(redrive).toMatchObject({ code: 0, out: expect.stringMatching(/^re-drove \d+ dead letter\(s\) with reason contract-violation to /) });
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    const stored = await db.appPool().query<{ idempotency_key: string }>(`SELECT idempotency_key FROM event_store.events WHERE idempotency_key LIKE 'dlq-large-%' ORDER BY 1`);
    expect(stored.rows.map((r) => r.idempotency_key)).toEqual(['dlq-large-1', 'dlq-large-2', 'dlq-large-3']);
  });
});
