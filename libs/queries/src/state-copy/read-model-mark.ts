import type { Pool, PoolClient } from 'pg';
import { FROM_ACTIVE_CHECKPOINT } from '@annals/projections';

/**
 * Where the active read model is: its version and that version's checkpoint in the log. Every
 * change to the active version's rows is made by a batch that moves its checkpoint in the same
 * transaction (PostgresSubscription.processBatch), or comes with another version made active; so
 * rows read when the mark was M are the rows now, exactly while the mark is still M.
 */
export interface ReadModelMark {
  /** The active version; null when none is. */
  version: number | null;
  /** The whole mark, as one comparable string. */
  key: string;
}

/** One primary-key lookup each in two small tables: read before every answer from a copy. */
export async function readModelMark(db: Pool | PoolClient): Promise<ReadModelMark> {
  const { rows } = await db.query<{ version: number; transaction_id: string | null; position: number | null }>({
    name: 'read-model-mark',
    text: `SELECT v.version, c.transaction_id::text AS transaction_id, c.position ${FROM_ACTIVE_CHECKPOINT}`,
  });
  const row = rows[0];
  if (!row) return { version: null, key: 'none' };
  return { version: row.version, key: `v${row.version}@${row.transaction_id ?? '-'}:${row.position ?? '-'}` };
}

/**
 * Whether the log holds an event the active version has not applied yet (after its checkpoint in
 * the log's order: one probe of the order index). While it does, the projector is not at rest,
 * however long its mark stays still between two slow batches, and a copy loaded then would be
 * stale before it answered.
 */
export async function activeVersionBehind(db: Pool | PoolClient): Promise<boolean> {
  const { rows } = await db.query<{ behind: boolean }>({
    name: 'active-version-behind',
    text: `SELECT EXISTS (SELECT 1 FROM event_store.events e
                           WHERE (e.transaction_id, e.position) > (coalesce(c.transaction_id, '0'::xid8), coalesce(c.position, 0))) AS behind
             ${FROM_ACTIVE_CHECKPOINT}`,
  });
  return rows[0]?.behind ?? false;
}
