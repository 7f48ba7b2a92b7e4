import type { Pool, PoolClient } from 'pg';

/**
 * Stored events the active read-model version has not applied yet. A version without a
 * checkpoint row (its projector has not committed a batch yet) has applied none: counted from
 * the start, not, as an inner join would have it, caught up.
 */
export async function readModelLag(client: Pool | PoolClient): Promise<number> {
  const { rows } = await client.query<{ lag: number }>(
    `SELECT count(*)::int AS lag FROM event_store.events e
       JOIN read_model.versions v ON v.state = 'active'
       LEFT JOIN event_store.checkpoints c ON c.subscription_id = 'coalition-membership@v' || v.version
      WHERE (e.transaction_id, e.position) > (coalesce(c.transaction_id, '0'::xid8), coalesce(c.position, 0))`,
  );
  return rows[0]!.lag;
}
