import { createHash } from 'node:crypto';
import type { IHeaders, Kafka, Message } from 'kafkajs';
import { readTopicToEnd, ReliableProducer } from '@annals/kafka';
import { DLQ_HEADER_NAMES, DLQ_HEADERS } from './dead-letter-headers';
import { utf8Prefix } from './utf8-prefix';

export interface StoredDeadLetter {
  /** Where it sits on the dead-letter topic. */
  partition: number;
  offset: string;
  reason: string;
  detail: string;
  original: { topic: string; partition: number; offset: string };
  failedAt: string;
  key: Buffer | null;
  /** The original value, or at most its first `valueBytes` bytes when the reader asked for no more (cut where a UTF-8 character starts). */
  value: Buffer | null;
  /** The size in bytes of the value the letter holds (0: none). */
  valueSize: number;
  /**
   * The whole value's size in bytes when the letter holds only its beginning (the dead-letter
   * topic takes smaller messages than the news topic did: fitLetter); null when it holds it whole.
   */
  valueCutFrom: number | null;
  /** What of the message the letter lacks besides its value's end: ['key', 'headers'] when they did not fit either. */
  dropped: string[];
  /** The original message's own headers (without the annals-dlq-* ones). */
  headers: IHeaders;
  /** How many times its message had been re-driven when it was refused this time (0: never). */
  redrives: number;
}

export interface ReadDeadLettersOptions {
  /**
   * Keep at most this many bytes of each letter's value (a copy: the fetched batch is not held).
   * A letter keeps the whole message it was refused for, up to the dead-letter topic's 16 MiB,
   * so a listing of letters held whole grew with their size: 300 letters of 1.5 MB took 674 MB.
   */
  valueBytes?: number;
}

/** A letter's place on the dead-letter topic, as annals-dlq-redriven-from names it. */
const placeOf = (letter: { partition: number; offset: string }) => `${letter.partition}@${letter.offset}`;

const text = (value: IHeaders[string]) => (Buffer.isBuffer(value) ? value.toString('utf8') : Array.isArray(value) ? String(value[0] ?? '') : String(value ?? ''));

/**
 * A copy of a buffer kafkajs decoded: its buffers are views of the whole fetched response, which
 * any one of them kept whole (the letters' keys and headers kept every value they had been read with).
 */
const detached = <T>(value: T): T => (Buffer.isBuffer(value) ? (Buffer.from(value) as T) : value);

/** The original message's own headers: the letter's, without the annals-dlq-* ones (copies). */
function ownHeaders(headers: IHeaders): IHeaders {
  const own: IHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!DLQ_HEADER_NAMES.has(name)) own[name] = Array.isArray(value) ? value.map(detached) : detached(value);
  return own;
}

/** Which message a letter holds (its key and value), as a digest: letters are compared by it without holding their values. */
function messageDigest(key: Buffer | null, value: Buffer | null): string {
  const hash = createHash('sha256');
  for (const part of [key, value]) {
    // the length first (-1: none), so that no two (key, value) pairs run together alike
    hash.update(`${part === null ? -1 : part.length}:`);
    if (part) hash.update(part);
  }
  return hash.digest('hex');
}

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
export async function readDeadLetters(kafka: Kafka, dlqTopic: string, options: ReadDeadLettersOptions = {}): Promise<StoredDeadLetter[]> {
  const letters: Array<StoredDeadLetter & { redrivenFrom: string | undefined; digest: string }> = [];
  await readTopicToEnd(
    kafka,
    dlqTopic,
    (partition, message) => {
      const h = message.headers ?? {};
      const value = message.value;
      letters.push({
        partition,
        offset: message.offset,
        reason: text(h[DLQ_HEADERS.reason]),
        detail: text(h[DLQ_HEADERS.detail]),
        original: { topic: text(h[DLQ_HEADERS.topic]), partition: Number(text(h[DLQ_HEADERS.partition])), offset: text(h[DLQ_HEADERS.offset]) },
        failedAt: text(h[DLQ_HEADERS.failedAt]),
        key: detached(message.key),
        value: value && options.valueBytes !== undefined ? utf8Prefix(value, options.valueBytes) : detached(value),
        valueSize: value?.length ?? 0,
        valueCutFrom: h[DLQ_HEADERS.valueCutFrom] === undefined ? null : Number(text(h[DLQ_HEADERS.valueCutFrom])),
        dropped: h[DLQ_HEADERS.dropped] === undefined ? [] : text(h[DLQ_HEADERS.dropped]).split(','),
        headers: ownHeaders(h),
        redrives: 0,
        redrivenFrom: h[DLQ_HEADERS.redrivenFrom] === undefined ? undefined : text(h[DLQ_HEADERS.redrivenFrom]),
        digest: messageDigest(message.key, value),
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
    if (!earlier || earlier.digest !== letter.digest) continue;
    replaced.add(letter.redrivenFrom!);
    letter.redrives = earlier.redrives + 1;
  }
  return distinct.filter((letter) => !replaced.has(placeOf(letter))).map(({ redrivenFrom: _, digest: __, ...letter }) => letter);
}

/** What one send of re-driven messages holds at most: letters can be as large as 16 MiB each. */
const REDRIVE_BATCH = { messages: 500, bytes: 16 * 1024 * 1024 };

/** What a re-drive did: how many letters it re-published, and the letters it left because they hold only part of their message. */
export interface RedriveResult {
  sent: number;
  /** Letters `select` picked that hold only part of their message (valueCutFrom, dropped): re-publishing them would send a message nobody sent. */
  partial: StoredDeadLetter[];
}

/**
 * Re-publishes the standing dead letters that `select` picks to `topic`, with their original
 * key, value and headers, and the letter each came from (annals-dlq-redriven-from), except
 * those holding only part of their message, which it returns. It reads the topic twice: once to
 * know which letters stand (without their values), once to send those as it meets them, a
 * bounded batch at a time, so that it never holds every value.
 */
export async function redriveDeadLetters(kafka: Kafka, dlqTopic: string, topic: string, select: (letter: StoredDeadLetter) => boolean = () => true): Promise<RedriveResult> {
  const picked = (await readDeadLetters(kafka, dlqTopic, { valueBytes: 0 })).filter(select);
  const isPartial = (letter: StoredDeadLetter) => letter.valueCutFrom !== null || letter.dropped.length > 0;
  const partial = picked.filter(isPartial);
  const chosen = new Set(picked.filter((letter) => !isPartial(letter)).map(placeOf));
  if (chosen.size === 0) return { sent: 0, partial };
  const producer = new ReliableProducer(kafka);
  let batch: Message[] = [];
  let bytes = 0;
  let sent = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send(topic, batch);
    sent += batch.length;
    batch = [];
    bytes = 0;
  };
  try {
    await readTopicToEnd(kafka, dlqTopic, async (partition, message) => {
      const place = placeOf({ partition, offset: message.offset });
      if (!chosen.delete(place)) return;
      batch.push({ key: message.key, value: message.value, headers: { ...ownHeaders(message.headers ?? {}), [DLQ_HEADERS.redrivenFrom]: place } });
      bytes += message.value?.length ?? 0;
      if (batch.length >= REDRIVE_BATCH.messages || bytes >= REDRIVE_BATCH.bytes) await flush();
    });
    await flush();
    return { sent, partial };
  } finally {
    await producer.disconnect();
  }
}
