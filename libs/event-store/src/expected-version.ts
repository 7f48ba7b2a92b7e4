import { InvalidAppendError } from './errors';

/**
 * What a writer believes about the stream it appends to:
 * - a number n: the stream is at exactly version n (0 = it has no events);
 * - 'no-stream': the stream has no events yet;
 * - 'stream-exists': the stream has at least one event;
 * - 'any': no check.
 */
export type ExpectedVersion = number | 'no-stream' | 'stream-exists' | 'any';

/**
 * The encoding event_store.append takes: n >= 0 exact, -1 any, -2 stream exists. Anything else is
 * refused as an InvalidAppendError naming the stream, before anything is sent: the error
 * AppendBatcher recognizes as one append's own fault, so the other appends of its call are still
 * stored.
 */
export function encodeExpectedVersion(expected: ExpectedVersion, streamId: string): number {
  switch (expected) {
    case 'any':
      return -1;
    case 'stream-exists':
      return -2;
    case 'no-stream':
      return 0;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) {
        throw new InvalidAppendError(
          `stream ${JSON.stringify(streamId)}: expectedVersion must be a non-negative integer, 'no-stream', 'stream-exists' or 'any'; got ${String(expected)}`,
        );
      }
      return expected;
  }
}
