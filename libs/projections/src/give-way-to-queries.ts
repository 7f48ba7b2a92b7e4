import type { PoolClient } from 'pg';

/**
 * For a transaction that takes strong locks on the read model (creating or dropping a version's
 * partitions): each of its lock waits gives up (55P03, lock_not_available) after a fifth of
 * PostgreSQL's deadlock_timeout. PostgreSQL cancels whichever side of a deadlock looks for it
 * first, deadlock_timeout after it began to wait; a query that waits on this transaction began
 * to wait after this transaction held a lock, so this transaction gives up first and the query
 * is never the one cancelled. The caller tries again later.
 */
export async function giveWayToQueries(tx: PoolClient): Promise<void> {
  await tx.query(
    `SELECT set_config('lock_timeout', greatest(1, extract(epoch FROM current_setting('deadlock_timeout')::interval) * 1000 / 5)::int || 'ms', true)`,
  );
}

/** lock_not_available (a lock wait gave up) or deadlock_detected: the transaction gave way and may be tried again. */
export function gaveWay(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '55P03' || code === '40P01';
}
