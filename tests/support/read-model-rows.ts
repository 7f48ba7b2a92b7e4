import type { Pool } from 'pg';
import { inTransaction } from '@annals/database';
import { START, type PostgresEventStore } from '@annals/event-store';
import { CoalitionMembershipProjection } from '@annals/projections';

/** A version's membership rows as text, in one order: what a user's point-in-time questions read. */
export async function membershipRowsOf(pool: Pool, version: number, coalition?: string): Promise<string[]> {
  const { rows } = await pool.query<{ row: string }>(
    `SELECT concat_ws(' ', coalition_id, country, valid, known, since, roles) AS row
       FROM read_model.membership WHERE version = $1 AND ($2::text IS NULL OR coalition_id = $2)
      ORDER BY coalition_id, country, lower(known), lower(valid)`,
    [version, coalition ?? null],
  );
  return rows.map((r) => r.row);
}

/**
 * Builds `version` the rebuild's way over every stored event (loaded, retractions applied, every
 * pair computed once from all its facts): the rows any sequence of live batches must end with.
 */
export async function rebuildVersion(pool: Pool, store: PostgresEventStore, version: number): Promise<void> {
  const projection = new CoalitionMembershipProjection();
  const { events } = await store.readAll(START, 1_000_000);
  await pool.query('SELECT read_model.create_version_partitions($1)', [version]);
  await inTransaction(pool, (tx) => projection.apply(events, tx, version, 'loading'));
  await inTransaction(pool, (tx) => projection.applyAllRetractions(tx, version));
  await projection.computeAll(pool, version);
}
