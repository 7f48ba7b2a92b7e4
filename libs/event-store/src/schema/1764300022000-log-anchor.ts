import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The log's anchor: one digest over every event up to a place in the global order, to be kept
 * outside the database and checked against it later (`annals verify --anchor`).
 *
 * event_store.verify() proves the log consistent with itself: each stream's chain, and its head
 * row. Someone able to write the tables (a superuser, a restored backup) who removes a stream's
 * last events and moves its head back, removes a whole stream, or rewrites an event with its
 * chain recomputed, leaves a log consistent with itself. An anchor taken before tells: it
 * commits to every event's hash (which commits to its content and its stream's past) in the
 * order catch-up readers follow.
 *
 * - log_digest(t, p): the events at or before (transaction id t, position p) in (transaction id,
 *   position) order, and sha256 over the sha256 of each run of 65,536 of their hashes, in order
 *   (a bytea holds 1 GB at most: one string of every hash would stop at 33 million events).
 *   Read by events_global_order, in order; the runs are then sorted again (the planner cannot
 *   tell that row numbers come in order), on disk past work_mem. EXPLAIN ANALYZE on the bench
 *   stack over 1,000,000 events: 2.6 s, 64 MB of temporary files; verify() recomputes every
 *   event's hash, which costs more.
 * - log_anchor(): the last event below the horizon (every transaction with a smaller id has
 *   ended: docs/decisions/0003-global-order.md), so that no event can still join the anchored
 *   part of the order, and log_digest up to it. Null when no event is below it.
 */
export class LogAnchor1764300022000 implements MigrationInterface {
  name = 'LogAnchor1764300022000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION event_store.log_digest(p_transaction_id xid8, p_position bigint)
      RETURNS TABLE (events bigint, digest bytea)
      LANGUAGE sql STABLE AS $$
        WITH ordered AS (
          SELECT e.hash, row_number() OVER (ORDER BY e.transaction_id, e.position) - 1 AS i
            FROM event_store.events e
           WHERE (e.transaction_id, e.position) <= (p_transaction_id, p_position)
        ), runs AS (
          SELECT o.i / 65536 AS run, count(*) AS n, sha256(string_agg(o.hash, ''::bytea ORDER BY o.i)) AS digest
            FROM ordered o
           GROUP BY o.i / 65536
        )
        SELECT coalesce(sum(r.n), 0)::bigint, sha256(coalesce(string_agg(r.digest, ''::bytea ORDER BY r.run), ''::bytea))
          FROM runs r
      $$`);
    await q.query(`
      CREATE FUNCTION event_store.log_anchor()
      RETURNS TABLE (transaction_id xid8, "position" bigint, events bigint, digest bytea)
      LANGUAGE sql STABLE AS $$
        SELECT a.transaction_id, a.position, d.events, d.digest
          FROM (SELECT e.transaction_id, e.position FROM event_store.events e
                 WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                 ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1) a
         CROSS JOIN LATERAL event_store.log_digest(a.transaction_id, a.position) d
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION event_store.log_anchor()`);
    await q.query(`DROP FUNCTION event_store.log_digest(xid8, bigint)`);
  }
}
