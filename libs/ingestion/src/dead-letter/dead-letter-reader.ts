import type { IHeaders, Kafka } from 'kafkajs';
import { readTopicToEnd, ReliableProducer } from '@annals/kafka';
import { DLQ_HEADER_NAMES, DLQ_HEADERS } from './dead-letter-headers';

export interface StoredDeadLetter {
  /** Where it sits on the dead-letter topic. */
  partition: number;
  offset: string;
  reason: string;
  detail: string;
  original: { topic: string; partition: number; offset: string };
  failedAt: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The original message's own headers (without the annals-dlq-* ones). */
  headers: IHeaders;
  /** How many times its message had been re-driven when it was refused this time (0: never). */
  redrives: number;
}

const sameBytes = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));

/** A letter's place on the dead-letter topic, as annals-dlq-redriven-from names it. */
const placeOf = (letter: { partition: number; offset: string }) => `${letter.partition}@${letter.offset}`;

const text = (value: IHeaders[string]) => (Buffer.isBuffer(value) ? value.toString('utf8') : Array.isArray(value) ? String(value[0] ?? '') : String(value ?? ''));

/**
 * The dead letters standing on the topic, read up to its end at the time of the call.
 * - A message dead-lettered twice (the ingestor died after publishing it and before committing
 *   the original's offset, so it met the message again) appears once: letters are identified by
 *   their origin (topic, partition, offset).
 * - A letter whose message was re-driven and refused again is replaced by its new letter
 *   (annals-dlq-redriven-from), which counts the re-drives. Otherwise every re-drive of
 *   everything would re-publish the earlier letters of a message still refused as well, and
 *   its letters would double with each re-drive.
 */
export async function readDeadLetters(kafka: Kafka, dlqTopic: string): Promise<StoredDeadLetter[]> {
  const letters: Array<StoredDeadLetter & { redrivenFrom: string | undefined }> = [];
  await readTopicToEnd(
    kafka,
    dlqTopic,
    (partition, message) => {
      const h = message.headers ?? {};
      const own: IHeaders = {};
      for (const [name, value] of Object.entries(h)) if (!DLQ_HEADER_NAMES.has(name)) own[name] = value;
      letters.push({
        partition,
        offset: message.offset,
        reason: text(h[DLQ_HEADERS.reason]),
        detail: text(h[DLQ_HEADERS.detail]),
        original: { topic: text(h[DLQ_HEADERS.topic]), partition: Number(text(h[DLQ_HEADERS.partition])), offset: text(h[DLQ_HEADERS.offset]) },
        failedAt: text(h[DLQ_HEADERS.failedAt]),
        key: message.key,
        value: message.value,
        headers: own,
        redrives: 0,
        redrivenFrom: h[DLQ_HEADERS.redrivenFrom] === undefined ? undefined : text(h[DLQ_HEADERS.redrivenFrom]),
      });
    },
    // (a dead-letter topic that is missing is no empty one: a mistyped name would read as "no dead letters")
    'the ingestors create it when they start',
  );
  const seen = new Set<string>();
  const distinct = letters
    .sort((a, b) => a.failedAt.localeCompare(b.failedAt) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
    .filter((letter) => {
      const origin = `${letter.original.topic}/${letter.original.partition}/${letter.original.offset}`;
      if (seen.has(origin)) return false;
      seen.add(origin);
      return true;
    });
  // in failedAt order, a letter comes after the one it replaces
  const byPlace = new Map(distinct.map((letter) => [placeOf(letter), letter]));
  const replaced = new Set<string>();
  for (const letter of distinct) {
    const earlier = letter.redrivenFrom === undefined ? undefined : byPlace.get(letter.redrivenFrom);
    // only the same message replaces it: a header that a producer set, or copied, hides nothing
    if (!earlier || !sameBytes(earlier.value, letter.value) || !sameBytes(earlier.key, letter.key)) continue;
    replaced.add(letter.redrivenFrom!);
    letter.redrives = earlier.redrives + 1;
  }
  return distinct.filter((letter) => !replaced.has(placeOf(letter))).map(({ redrivenFrom: _, ...letter }) => letter);
}

/** Re-publishes dead letters to `topic` with their original key, value and headers, and the letter each came from (annals-dlq-redriven-from). */
export async function redriveDeadLetters(kafka: Kafka, letters: ReadonlyArray<StoredDeadLetter>, topic: string): Promise<number> {
  const producer = new ReliableProducer(kafka);
  try {
    for (let i = 0; i < letters.length; i += 500) {
      await producer.send(topic, letters.slice(i, i + 500).map((l) => ({ key: l.key, value: l.value, headers: { ...l.headers, [DLQ_HEADERS.redrivenFrom]: placeOf(l) } })));
    }
    return letters.length;
  } finally {
    await producer.disconnect();
  }
}
