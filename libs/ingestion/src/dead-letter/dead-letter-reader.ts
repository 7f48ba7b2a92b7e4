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
}

const text = (value: IHeaders[string]) => (Buffer.isBuffer(value) ? value.toString('utf8') : Array.isArray(value) ? String(value[0] ?? '') : String(value ?? ''));

/**
 * Reads the whole dead-letter topic, up to its end at the time of the call. A message
 * dead-lettered twice (the ingestor died after publishing it and before committing the
 * original's offset, so it met the message again) appears once: letters are identified by
 * their origin (topic, partition, offset).
 */
export async function readDeadLetters(kafka: Kafka, dlqTopic: string): Promise<StoredDeadLetter[]> {
  const letters: StoredDeadLetter[] = [];
  await readTopicToEnd(kafka, dlqTopic, (partition, message) => {
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
    });
  });
  const seen = new Set<string>();
  return letters
    .sort((a, b) => a.failedAt.localeCompare(b.failedAt) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
    .filter((letter) => {
      const origin = `${letter.original.topic}/${letter.original.partition}/${letter.original.offset}`;
      if (seen.has(origin)) return false;
      seen.add(origin);
      return true;
    });
}

/** Re-publishes dead letters (all, or those with `reason`) to `topic` with their original key, value and headers. */
export async function redriveDeadLetters(kafka: Kafka, letters: ReadonlyArray<StoredDeadLetter>, topic: string): Promise<number> {
  const producer = new ReliableProducer(kafka);
  try {
    for (let i = 0; i < letters.length; i += 500) {
      await producer.send(topic, letters.slice(i, i + 500).map((l) => ({ key: l.key, value: l.value, headers: l.headers })));
    }
    return letters.length;
  } finally {
    await producer.disconnect();
  }
}
