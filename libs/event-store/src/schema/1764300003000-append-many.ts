import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * p_streams: per event, the index (1-based) of its stream in p_stream_ids; a stream's events
 * keep their order. Returns one row per event: `request` is the event's index in the call;
 * `conflict` is the stream's actual version when its expected version did not match (then
 * position and stream_version are NULL), else NULL. (1764300006000 renames it
 * append_many_per_stream; 1764300026000 makes its next version from this text.)
 */
export const APPEND_MANY_V1 = `
      CREATE FUNCTION event_store.append_many(
        p_stream_ids text[],
        p_stream_types text[],
        p_expected_versions bigint[],
        p_streams integer[],
        p_types text[],
        p_schema_versions integer[],
        p_payloads jsonb[],
        p_metadata jsonb[],
        p_occurred_at timestamptz[],
        p_keys text[]
      ) RETURNS TABLE (
        request integer, idempotency_key text, "position" bigint, stream_id text, stream_version bigint,
        duplicate boolean, conflict bigint
      ) LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        m integer := coalesce(cardinality(p_stream_ids), 0);
        n integer := coalesce(cardinality(p_types), 0);
        r record;
        v_version bigint;
      BEGIN
        IF m = 0 OR n = 0 THEN
          RAISE EXCEPTION 'append_many needs at least one stream and one event' USING ERRCODE = 'AE002';
        END IF;
        IF coalesce(cardinality(p_stream_types), 0) <> m OR coalesce(cardinality(p_expected_versions), 0) <> m THEN
          RAISE EXCEPTION 'append_many stream arrays must all have % elements', m USING ERRCODE = 'AE002';
        END IF;
        IF coalesce(cardinality(p_streams), 0) <> n OR coalesce(cardinality(p_schema_versions), 0) <> n
           OR coalesce(cardinality(p_payloads), 0) <> n OR coalesce(cardinality(p_metadata), 0) <> n
           OR coalesce(cardinality(p_occurred_at), 0) <> n OR coalesce(cardinality(p_keys), 0) <> n THEN
          RAISE EXCEPTION 'append_many event arrays must all have % elements', n USING ERRCODE = 'AE002';
        END IF;
        IF EXISTS (SELECT 1 FROM unnest(p_streams) s WHERE s IS NULL OR s < 1 OR s > m) THEN
          RAISE EXCEPTION 'append_many: every event must name a stream between 1 and %', m USING ERRCODE = 'AE002';
        END IF;
        IF (SELECT count(DISTINCT x) FROM unnest(p_stream_ids) x) <> m THEN
          RAISE EXCEPTION 'append_many: a stream may appear once per call' USING ERRCODE = 'AE002';
        END IF;

        -- One stream at a time, in stream id order: writers locking overlapping sets of streams
        -- take the locks in the same order, so they wait for each other but never deadlock.
        FOR r IN
          SELECT s.sid, s.stype, s.expected,
                 array_agg(a.type ORDER BY a.i) AS types, array_agg(a.sv ORDER BY a.i) AS svs,
                 array_agg(a.payload ORDER BY a.i) AS payloads, array_agg(a.metadata ORDER BY a.i) AS metadata,
                 array_agg(a.occurred ORDER BY a.i) AS occurred, array_agg(a.key ORDER BY a.i) AS keys,
                 array_agg(a.i ORDER BY a.i) AS requests
            FROM unnest(p_stream_ids, p_stream_types, p_expected_versions) WITH ORDINALITY AS s(sid, stype, expected, i)
            JOIN unnest(p_streams, p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys) WITH ORDINALITY
                 AS a(stream, type, sv, payload, metadata, occurred, key, i) ON a.stream = s.i
           GROUP BY s.sid, s.stype, s.expected
           ORDER BY s.sid
        LOOP
          SELECT st.version INTO v_version FROM event_store.streams st WHERE st.stream_id = r.sid FOR UPDATE;
          v_version := coalesce(v_version, 0);
          -- append raises AE001 on this condition when the stream gets a new event (an event whose
          -- key is not stored: a stored key alone is a redelivery, which succeeds at any version).
          -- Here it is reported instead, so that the other streams of the call are written.
          IF ((r.expected >= 0 AND v_version <> r.expected) OR (r.expected = -2 AND v_version = 0))
             AND EXISTS (SELECT 1 FROM unnest(r.keys) k
                          WHERE k IS NULL
                             OR (SELECT e.position FROM event_store.events e WHERE e.idempotency_key = k LIMIT 1) IS NULL) THEN
            RETURN QUERY SELECT o.req::integer, o.key, NULL::bigint, r.sid, NULL::bigint, false, v_version
                           FROM unnest(r.requests, r.keys) AS o(req, key);
            CONTINUE;
          END IF;
          RETURN QUERY
            SELECT o.req::integer, x.idempotency_key, x.position, x.stream_id, x.stream_version, x.duplicate, NULL::bigint
              FROM event_store.append(r.sid, r.stype, r.expected, r.types, r.svs, r.payloads, r.metadata, r.occurred, r.keys)
                   WITH ORDINALITY AS x(idempotency_key, position, stream_id, stream_version, duplicate, j)
              JOIN unnest(r.requests) WITH ORDINALITY AS o(req, j) ON o.j = x.j;
        END LOOP;
      END $$`;

/**
 * event_store.append_many: appends to many streams in one call and one transaction, each
 * stream exactly as event_store.append would (it calls it), except that a stream whose
 * expected version does not match is reported, not raised: nothing of that stream is written,
 * the others are. The ingestor sends every stream of a Kafka chunk this way: one round trip and
 * one commit instead of one per stream (docs/decisions/0004-append-function.md).
 * 1764300006000-append-many-set-based renames this function append_many_per_stream and puts a
 * set-based append_many in front of it, which calls it for calls with a duplicate.
 */
export class AppendMany1764300003000 implements MigrationInterface {
  name = 'AppendMany1764300003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_MANY_V1);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION event_store.append_many(text[], text[], bigint[], integer[], text[], integer[], jsonb[], jsonb[], timestamptz[], text[])`);
  }
}
