import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** An event as a test appends it straight in SQL: a type, its data, its idempotency key. */
export interface SqlEvent {
  type: string;
  data: unknown;
  key: string | null;
}

type Db = Pool | PoolClient;

/*
 * The calls below leave the payload and metadata parameters untyped: PostgreSQL takes them as the
 * function's own type, json since migration 1764300027000 and jsonb before, so that a test can
 * call the functions as any of their versions has them.
 */

/**
 * One call of event_store.append straight in SQL, as any writer may make it (no store in
 * between): schema version 1, empty metadata, no occurred time. Its rows as PostgreSQL answers
 * them, whatever shape the function's answer has (one row since migration 1764300026000, a row
 * per event before).
 */
export async function sqlAppend<R extends QueryResultRow>(db: Db, streamId: string, expected: number, events: ReadonlyArray<SqlEvent>): Promise<R[]> {
  const { rows } = await db.query<R>(
    `SELECT * FROM event_store.append($1, 'test', $2, $3::text[], array_fill(1, ARRAY[$6::int]), $4, $7,
            array_fill(NULL::timestamptz, ARRAY[$6::int]), $5::text[])`,
    [streamId, expected, events.map((e) => e.type), events.map((e) => JSON.stringify(e.data)), events.map((e) => e.key), events.length, events.map(() => '{}')],
  );
  return rows;
}

/** One call of event_store.append_one straight in SQL, as sqlAppend. */
export async function sqlAppendOne<R extends QueryResultRow>(db: Db, streamId: string, expected: number, event: SqlEvent): Promise<R[]> {
  const { rows } = await db.query<R>(`SELECT * FROM event_store.append_one($1, 'test', $2, $3, 1, $4, '{}', NULL, $5)`, [
    streamId,
    expected,
    event.type,
    JSON.stringify(event.data),
    event.key,
  ]);
  return rows;
}

/** One call of event_store.append_many straight in SQL, a stream's events after another's, as sqlAppend. */
export async function sqlAppendMany<R extends QueryResultRow>(
  db: Db,
  appends: ReadonlyArray<{ streamId: string; expected: number; events: ReadonlyArray<SqlEvent> }>,
): Promise<R[]> {
  const events = appends.flatMap((a) => a.events);
  const { rows } = await db.query<R>(
    `SELECT * FROM event_store.append_many($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::int[], $7, $8, $9::timestamptz[], $10::text[])`,
    [
      appends.map((a) => a.streamId),
      appends.map(() => 'test'),
      appends.map((a) => a.expected),
      appends.flatMap((a, i) => a.events.map(() => i + 1)),
      events.map((e) => e.type),
      events.map(() => 1),
      events.map((e) => JSON.stringify(e.data)),
      events.map(() => '{}'),
      events.map(() => null),
      events.map((e) => e.key),
    ],
  );
  return rows;
}
