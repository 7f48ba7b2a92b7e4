import type { Readable } from 'node:stream';
import type { Message } from 'kafkajs';
import { embargoCheck, MAX_MESSAGE_BYTES, parseNewsEvent, tooLarge, type ParseResult, type RejectionReason } from '@annals/contracts';
import { ndjsonLines } from './ndjson-lines';
import type { NewsPublisher } from './news-publisher';
import { partitionKey } from './partition-key';

export interface InvalidLine {
  line: number;
  reason: RejectionReason;
  detail: string;
}

export interface PublishSummary {
  lines: number;
  published: number;
  invalid: InvalidLine[];
}

/** Messages per send at most: a send is one produce request per partition, kept well within Kafka's limits. */
export const MAX_BATCH_SIZE = 10_000;

/**
 * Validates every line of an NDJSON stream against the contract (the same parser the
 * ingestor uses) and publishes the valid ones in batches, keyed by coalition or country.
 * Invalid lines are reported with their numbers and reasons, never published.
 */
export async function publishNdjson(
  input: Readable,
  publisher: NewsPublisher,
  options: { batchSize?: number; onProgress?: (summary: PublishSummary) => void } = {},
): Promise<PublishSummary> {
  const summary: PublishSummary = { lines: 0, published: 0, invalid: [] };
  const batchSize = options.batchSize ?? 500;
  // NaN never reached (batch.length >= NaN is false): the whole stream went as one send at its end
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${String(batchSize)}`);
  }
  let batch: Message[] = [];
  const flush = async () => {
    await publisher.send(batch);
    summary.published += batch.length;
    batch = [];
    options.onProgress?.(summary);
  };
  // the ingestor would refuse a mistyped year in publishedAt: refused here first, by line
  const embargo = embargoCheck(new Date());
  // a line over the contract's limit is refused by its size: no more of it than that is held
  for await (const { number, bytes, size } of ndjsonLines(input, MAX_MESSAGE_BYTES + 1)) {
    summary.lines++;
    const parsed: ParseResult = size > MAX_MESSAGE_BYTES ? { ok: false, rejection: tooLarge(size) } : parseNewsEvent(bytes);
    if (!parsed.ok) {
      summary.invalid.push({ line: number, ...parsed.rejection });
      continue;
    }
    const tooFarAhead = embargo(parsed.event);
    if (tooFarAhead) {
      summary.invalid.push({ line: number, ...tooFarAhead });
      continue;
    }
    batch.push({ key: partitionKey(parsed.event), value: bytes });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}
