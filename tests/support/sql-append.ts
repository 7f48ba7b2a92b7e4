import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** An event as a test appends it straight in SQL: a type, its data, its idempotency key. */
export interface SqlEvent {
  type: string;
  data: unknown;
  key: string | null;
}

/**
 * One call of event_store.append straight in SQL, as any writer may make it (no store in
 * between): schema version 1, empty metadata, no occurred time. Its rows as PostgreSQL answers
 * them, whatever shape the function's answer has (one row since migration 1764300026000, a row
 * per event before).
 */
export async function sqlAppend<R extends QueryResultRow>(db: Pool | PoolClient, streamId: string, expected: number, events: ReadonlyArray<SqlEvent>): Promise<R[]> {
  const { rows } = await db.query<R>(
    `SELECT * FROM event_store.append($1, 'test', $2, $3::text[], array_fill(1, ARRAY[$6::int]), $4::jsonb[],
            array_fill('{}'::jsonb, ARRAY[$6::int]), array_fill(NULL::timestamptz, ARRAY[$6::int]), $5::text[])`,
    [streamId, expected, events.map((e) => e.type), events.map((e) => JSON.stringify(e.data)), events.map((e) => e.key), events.length],
  );
  return rows;
}
