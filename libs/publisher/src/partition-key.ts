import type { NewsEvent, NewsEventInput } from '@annals/contracts';

/**
 * The Kafka key a report is published with: its coalition, else its country. Keys keep one
 * coalition's reports in one partition (in order, on one ingestor), which saves conflicts;
 * correctness never depends on it (valid time is in the message).
 */
export function partitionKey(event: Pick<NewsEvent | NewsEventInput, 'type' | 'data'>): string {
  const data = event.data as { coalitionId?: string; country?: string };
  return data.coalitionId ?? data.country ?? event.type;
}
