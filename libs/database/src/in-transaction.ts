import type { Pool, PoolClient } from 'pg';

/**
 * The `begin` of reads that must see one snapshot of the database. Read only, it takes no
 * transaction id, so it holds back no catch-up reader of the event store however long it lasts.
 */
export const READ_ONLY_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

/**
 * Runs `work` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws. `begin`: the statement that opens it (READ_ONLY_SNAPSHOT for reads of one snapshot).
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken || undefined);
  }
}
