/**
 * Whether an error is PostgreSQL refusing a report id that a version's facts hold already: a
 * batch's insert into an indexed facts partition, or the unique index being built on a
 * partition loaded without it (a rebuild). Each fact is one report, keyed by its id; the
 * ingestor never stores an id twice (it is the event's idempotency key), so only another writer
 * can cause it (decision 0012).
 */
export function isRepeatedReportId(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && typeof constraint === 'string' && /^facts_v\d+_report$/.test(constraint);
}
