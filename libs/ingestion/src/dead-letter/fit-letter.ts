import type { IHeaders, Message } from 'kafkajs';
import { recordBytes } from '@annals/kafka';
import { DLQ_HEADER_NAMES, DLQ_HEADERS } from './dead-letter-headers';
import { utf8Prefix } from './utf8-prefix';

/** A letter larger than the dead-letter topic takes even without its value, key and headers (only its own annals-dlq-* headers left). */
export class LetterTooLargeError extends Error {
  override readonly name = 'LetterTooLargeError';
}

/**
 * A dead letter within `maxBytes` (as recordBytes counts it: the dead-letter topic's
 * ReliableProducer.maxMessageBytes). A letter that fits is returned as it is. Otherwise its
 * value is cut to what fits, where a UTF-8 character starts, and annals-dlq-value-cut-from
 * gives the whole size; if the key and the message's own headers leave no room even for that,
 * they are dropped as well (annals-dlq-dropped). Kafka would refuse the letter whole, again on
 * every retry, and the ingestor could store no later message of the partition: its beginning,
 * the reason and the original's place are what an operator needs, and the whole message stays
 * on its topic until that topic's retention ends.
 */
export function fitLetter(letter: Message, maxBytes: number): Message {
  if (recordBytes(letter) <= maxBytes) return letter;
  const value = letter.value === null || letter.value === undefined ? null : Buffer.isBuffer(letter.value) ? letter.value : Buffer.from(letter.value);
  const cutFrom = { [DLQ_HEADERS.valueCutFrom]: String(value?.length ?? 0) };
  const withValue = (message: Message) => {
    // (recordBytes is an upper bound, the headers fitLetter adds counted in: what fits it fits the topic)
    const room = maxBytes - recordBytes({ ...message, value: null });
    return room < 0 ? undefined : { ...message, value: value && utf8Prefix(value, room) };
  };
  const cut = withValue({ ...letter, headers: { ...letter.headers, ...cutFrom } });
  if (cut) return cut;
  const bare = withValue({ ...letter, key: null, headers: { ...annalsHeaders(letter.headers), ...cutFrom, [DLQ_HEADERS.dropped]: 'key,headers' } });
  if (bare) return bare;
  throw new LetterTooLargeError(
    `a dead letter needs ${recordBytes({ ...letter, key: null, value: null, headers: annalsHeaders(letter.headers) })} bytes without the message's value, key and headers, ` +
      `more than the ${maxBytes} the dead-letter topic takes: raise its max.message.bytes`,
  );
}

/** The letter's annals-dlq-* headers alone, without the message's own. */
function annalsHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => DLQ_HEADER_NAMES.has(name)));
}
