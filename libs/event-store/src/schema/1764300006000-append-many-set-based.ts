import type { MigrationInterface, QueryRunner } from 'typeorm';

/** append_many's argument types, which name the function in ALTER and DROP. */
const SIGNATURE = 'text[], text[], bigint[], integer[], text[], integer[], jsonb[], jsonb[], timestamptz[], text[]';

/**
 * event_store.append_many, second version: a plain call (no idempotency key stored already or
 * repeated within the call, which is almost every call) is written set-based, a few statements
 * for the whole call, instead of one `append` per stream. The ingestor's calls touch a few hundred
 * streams with one or two events each, and a call of `append` costs 0.2 ms of server time
 * whatever it carries: that fixed cost was most of PostgreSQL's time end to end (docs/benchmarks.md).
 * A call with a duplicate takes the first version's path (append per stream), unchanged: that
 * function stays, renamed event_store.append_many_per_stream, and the new one calls it.
 *
 * The rules are append's and the first version's: streams are locked in stream id order (so two
 * writers never deadlock); a stream whose expected version does not match is reported in its rows
 * and nothing of it is written, and no stream row is created for it; positions are taken after
 * every check, in stream id order and call order within a stream; each event's hash chains onto
 * its stream's head (event_store.event_bytes, as `verify` recomputes it).
 * 1764300015000-append-many-chain-loop holds the third version, 1764300018000-stream-write-lock
 * the current one (the third with the streams' write locks).
 */
export const APPEND_MANY_V2 = `
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
        v_now timestamptz := now();
        v_txid xid8;
        -- per stream (index = its place in p_stream_ids): version and head once locked, and whether it is written
        s_version bigint[];
        s_head bytea[];
        s_ok boolean[];
        -- per event written, in position order
        e_req integer[];
        e_stream integer[];
        e_sid text[];
        e_ver bigint[];
        e_pos bigint[];
        e_bytes bytea[];
        e_hash bytea[];
        b bytea;
        k integer;
        v_stream integer;
        v_hash bytea;
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
        IF EXISTS (SELECT 1 FROM unnest(p_expected_versions) x WHERE x IS NULL OR x < -2) THEN
          RAISE EXCEPTION 'invalid expected version %', (SELECT x FROM unnest(p_expected_versions) x WHERE x IS NULL OR x < -2 LIMIT 1) USING ERRCODE = 'AE002';
        END IF;

        -- A call with a stored or repeated key: one append per stream, by the first version (kept
        -- as append_many_per_stream). One probe of the unique index per key, LATERAL ... LIMIT 1, as append does.
        IF EXISTS (SELECT 1 FROM unnest(p_keys) k(key)
                    CROSS JOIN LATERAL (SELECT 1 FROM event_store.events s WHERE s.idempotency_key = k.key LIMIT 1) e)
           OR EXISTS (SELECT 1 FROM unnest(p_keys) k(key) WHERE k.key IS NOT NULL GROUP BY k.key HAVING count(*) > 1) THEN
          RETURN QUERY SELECT * FROM event_store.append_many_per_stream(p_stream_ids, p_stream_types, p_expected_versions, p_streams,
                                                                           p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys);
          RETURN;
        END IF;

        -- 1. Every event is new. Streams that may be created (no-stream or any expected) get their
        -- row, in stream id order; a writer creating the same stream meanwhile is waited for, and
        -- its row then counts as found. Streams expected to exist, or at a version, are not created.
        INSERT INTO event_store.streams (stream_id, stream_type, version)
          SELECT s.sid, s.stype, 0
            FROM unnest(p_stream_ids, p_stream_types, p_expected_versions) WITH ORDINALITY AS s(sid, stype, expected, i)
           WHERE s.expected IN (0, -1) AND s.i IN (SELECT DISTINCT x FROM unnest(p_streams) x)
             -- (a probe of the key first: ON CONFLICT alone costs a speculative insertion per stream)
             AND NOT EXISTS (SELECT 1 FROM event_store.streams st WHERE st.stream_id = s.sid)
           ORDER BY s.sid
          ON CONFLICT ON CONSTRAINT streams_pkey DO NOTHING;

        -- 2. Lock the call's streams in stream id order; a stream without a row is at version 0.
        -- Then each stream's expectation, before any position is taken.
        SELECT array_agg(coalesce(l.version, 0) ORDER BY s.i), array_agg(l.head_hash ORDER BY s.i),
               array_agg(NOT ((s.expected >= 0 AND coalesce(l.version, 0) <> s.expected) OR (s.expected = -2 AND coalesce(l.version, 0) = 0)) ORDER BY s.i)
          INTO s_version, s_head, s_ok
          FROM unnest(p_stream_ids, p_expected_versions) WITH ORDINALITY AS s(sid, expected, i)
          LEFT JOIN (SELECT st.stream_id, st.version, st.head_hash FROM event_store.streams st
                      WHERE st.stream_id = ANY(p_stream_ids) ORDER BY st.stream_id FOR UPDATE) l ON l.stream_id = s.sid;

        -- 3. The events written, in position order (stream id, then call order), with their versions;
        -- then their positions, then their canonical bytes.
        -- (arrays are read with unnest, never subscripted in SQL: a subscript of a variable-width
        -- array walks it from the start, which would make a large call quadratic)
        SELECT array_agg(x.req ORDER BY x.sid, x.req), array_agg(x.stream ORDER BY x.sid, x.req), array_agg(x.sid ORDER BY x.sid, x.req),
               array_agg(x.ver ORDER BY x.sid, x.req)
          INTO e_req, e_stream, e_sid, e_ver
          FROM (SELECT a.i::integer AS req, a.stream, s.sid,
                       s.version + row_number() OVER (PARTITION BY a.stream ORDER BY a.i) AS ver
                  FROM unnest(p_streams) WITH ORDINALITY AS a(stream, i)
                  JOIN unnest(p_stream_ids, s_version, s_ok) WITH ORDINALITY AS s(sid, version, ok, i) ON s.i = a.stream
                 WHERE s.ok) x;
        IF e_req IS NOT NULL THEN
          v_txid := pg_current_xact_id();
          SELECT array_agg(nextval('event_store.positions') ORDER BY x.ord) INTO e_pos FROM generate_series(1, cardinality(e_req)) AS x(ord);
          SELECT array_agg(event_store.event_bytes(x.pos, x.sid, x.ver, a.type, a.sv, a.payload, a.metadata, a.occurred, v_now, a.key) ORDER BY x.ord)
            INTO e_bytes
            FROM unnest(e_req, e_sid, e_ver, e_pos) WITH ORDINALITY AS x(req, sid, ver, pos, ord)
            JOIN unnest(p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys) WITH ORDINALITY
                 AS a(type, sv, payload, metadata, occurred, key, i) ON a.i = x.req;

          -- 4. The chains: each stream's first event links to its stored head.
          e_hash := array_fill(NULL::bytea, ARRAY[cardinality(e_req)]);
          k := 0;
          v_stream := 0;
          FOREACH b IN ARRAY e_bytes LOOP
            k := k + 1;
            IF e_stream[k] <> v_stream THEN
              v_stream := e_stream[k];
              v_hash := s_head[v_stream];
            END IF;
            v_hash := sha256(coalesce(v_hash, ''::bytea) || b);
            e_hash[k] := v_hash;
          END LOOP;

          INSERT INTO event_store.events
            (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata,
             occurred_at, recorded_at, idempotency_key, hash)
          SELECT x.pos, v_txid, x.sid, x.ver, a.type, a.sv, a.payload, a.metadata, a.occurred, v_now, a.key, x.hash
            FROM unnest(e_req, e_sid, e_ver, e_pos, e_hash) AS x(req, sid, ver, pos, hash)
            JOIN unnest(p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys) WITH ORDINALITY
                 AS a(type, sv, payload, metadata, occurred, key, i) ON a.i = x.req;

          -- 5. The new heads: each written stream's last event.
          UPDATE event_store.streams st SET version = h.ver, head_hash = h.hash, updated_at = v_now
            FROM (SELECT DISTINCT ON (x.sid) x.sid, x.ver, x.hash
                    FROM unnest(e_sid, e_ver, e_hash) AS x(sid, ver, hash)
                   ORDER BY x.sid, x.ver DESC) h
           WHERE st.stream_id = h.sid;
        END IF;

        RETURN QUERY
          SELECT x.req, a.key, x.pos, x.sid, x.ver, false, NULL::bigint
            FROM unnest(e_req, e_sid, e_ver, e_pos) AS x(req, sid, ver, pos)
            JOIN unnest(p_keys) WITH ORDINALITY AS a(key, i) ON a.i = x.req
          UNION ALL
          SELECT a.i::integer, a.key, NULL::bigint, s.sid, NULL::bigint, false, s.version
            FROM unnest(p_streams, p_keys) WITH ORDINALITY AS a(stream, key, i)
            JOIN unnest(p_stream_ids, s_version, s_ok) WITH ORDINALITY AS s(sid, version, ok, i) ON s.i = a.stream
           WHERE NOT s.ok;
      END $$`;

export class AppendManySetBased1764300006000 implements MigrationInterface {
  name = 'AppendManySetBased1764300006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION event_store.append_many(${SIGNATURE}) RENAME TO append_many_per_stream`);
    await q.query(APPEND_MANY_V2);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION event_store.append_many(${SIGNATURE})`);
    await q.query(`ALTER FUNCTION event_store.append_many_per_stream(${SIGNATURE}) RENAME TO append_many`);
  }
}
