import type { Message } from 'kafkajs';

/**
 * A record's bytes in a batch beyond its key, value and headers (attributes, timestamp and
 * offset deltas, lengths as varints: at most about 30), rounded up.
 */
const RECORD_OVERHEAD = 64;
/** A record batch's own header (61 bytes in format v2), rounded up. */
export const BATCH_OVERHEAD = 128;

const bytesOf = (part: Buffer | string | null | undefined) => (part === null || part === undefined ? 0 : typeof part === 'string' ? Buffer.byteLength(part) : part.length);

/** An upper bound of a message's bytes in a record batch. */
export function recordBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD + bytesOf(message.key) + bytesOf(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) bytes += Buffer.byteLength(name) + bytesOf(v as Buffer | string | undefined) + 8;
  }
  return bytes;
}

/**
 * One partition's messages cut, in order, into runs whose record batch stays within `maxBytes`
 * (the topic's max.message.bytes, which Kafka applies to a whole batch, not to each message): a
 * send of one partition's messages is one batch, and three legal 900 kB messages in one were
 * refused as MESSAGE_TOO_LARGE. A message too large for any batch goes alone, for Kafka to refuse.
 */
export function recordBatches(messages: readonly Message[], maxBytes: number): Message[][] {
  const batches: Message[][] = [];
  let batch: Message[] = [];
  let bytes = BATCH_OVERHEAD;
  for (const message of messages) {
    const size = recordBytes(message);
    if (batch.length > 0 && bytes + size > maxBytes) {
      batches.push(batch);
      batch = [];
      bytes = BATCH_OVERHEAD;
    }
    batch.push(message);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
