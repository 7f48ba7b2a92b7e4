import { COALITIONS, rng } from './dataset';

/**
 * The point-in-time questions the query load asks, as request paths: a random coalition (of 200),
 * a random valid time over ten years and a random knowledge time over eleven. The same seed gives
 * the same questions in the same order, so that contenders taking turns get the same requests, and
 * the send-only server can hold beforehand every answer a load will ask for.
 */
export function queryPaths(seed: number): () => string {
  const random = rng(seed);
  const day = (from: number, span: number) => new Date(from + Math.floor(random() * span) * 86_400_000).toISOString().slice(0, 10);
  return () => `/coalitions/${COALITIONS[Math.floor(random() * COALITIONS.length)]}?at=${day(Date.UTC(2010, 0, 1), 3650)}&knownAt=${day(Date.UTC(2010, 6, 1), 4000)}`;
}
