import type { NewsEvent } from './news-event.v1';
import type { Rejection } from './rejection';

/**
 * How far after its arrival a report's publishedAt may lie. A publishedAt ahead of arrival is
 * an embargo: the report is stored and stays out of every answer until then. Embargoes hold a
 * story back for hours or days; a publishedAt more than a year ahead is a mistyped year (2105
 * for 2015), which would hide the report for decades, with nothing to show why.
 */
export const MAX_EMBARGO_DAYS = 366;
const DAY_MS = 86_400_000;

/**
 * The check for reports arriving at `receivedAt`: why a report cannot be taken (its publishedAt
 * lies too far ahead), or undefined. The latest publishedAt allowed is computed once, as the
 * contract's normalized ISO text, and each report's is compared to it as text, with no Date made
 * per report (the years are four digits, so the texts order as the instants do).
 */
export function embargoCheck(receivedAt: Date): (event: NewsEvent) => Rejection | undefined {
  const latest = new Date(receivedAt.getTime() + MAX_EMBARGO_DAYS * DAY_MS).toISOString();
  return (event) => {
    const publishedAt = event.source.publishedAt;
    if (publishedAt === undefined || publishedAt <= latest) return undefined;
    const days = Math.floor((Date.parse(publishedAt) - receivedAt.getTime()) / DAY_MS);
    return {
      reason: 'invalid-date',
      detail: `source.publishedAt: ${publishedAt} is ${days} days after the report reached Annals (${receivedAt.toISOString()}); an embargo holds a report back at most ${MAX_EMBARGO_DAYS} days: a mistyped year?`,
    };
  };
}
