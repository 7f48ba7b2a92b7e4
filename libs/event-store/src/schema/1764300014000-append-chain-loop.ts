import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APPEND_V4 } from './1764300013000-append-one';

/**
 * event_store.append, fifth version: each new event's position, canonical bytes and link of the
 * chain made in one PL/pgSQL loop.
 *
 * Through the fourth version a call of several events made its positions and bytes in one SQL
 * statement (nextval and event_bytes over unnest of the six event arrays, gathered by two
 * ordered array_aggs: a function scan, a sort per aggregate, an aggregate, each set up by the
 * executor on every call) and then hashed the gathered bytes in a loop. A backend's profile at 8
 * writers of 10 events put 15% of its time in starting the executor, and that statement was the
 * largest of it. The loop computes the same values as PL/pgSQL expressions, which need no
 * executor, and hashes each event's bytes as they are made; the arguments are subscripted in
 * PL/pgSQL, where array arguments are kept expanded (a lookup, not a walk: calls of 5,000 events
 * cost per event what calls of 1,000 do). A call with duplicates walks its new events (ins_idx)
 * through the same loop, so both paths share it. Positions are still taken in call order, the
 * bytes are event_bytes', the chain is the same: `verify` holds across the change.
 * Measured (pg_stat_statements, one connection, 10 blocks of 150 calls alternating): server time
 * per call of 2 events 0.375 against 0.298 ms, of 10 0.590-0.644 against 0.474-0.519, of 30 1.170
 * against 1.059, of 100 3.166 against 2.696 (docs/decisions/0004-append-function.md).
 * 1764300013000-append-one holds the fourth version, 1764300005000-append-fast-path's comments
 * explain the other steps; this file holds the fifth version, which 1764300018000-stream-write-lock
 * keeps with the stream's write lock taken first.
 */
export const APPEND_V5 = `
      CREATE OR REPLACE FUNCTION event_store.append(
        p_stream_id text,
        p_stream_type text,
        p_expected_version bigint,
        p_types text[],
        p_schema_versions integer[],
        p_payloads jsonb[],
        p_metadata jsonb[],
        p_occurred_at timestamptz[],
        p_keys text[]
      ) RETURNS TABLE (
        idempotency_key text, "position" bigint, stream_id text, stream_version bigint, duplicate boolean
      ) LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        n integer := coalesce(cardinality(p_types), 0);
        v_found boolean;
        v_plain boolean;
        v_version bigint;
        v_hash bytea;
        v_now timestamptz := now();
        v_txid xid8;
        i integer;
        k integer;
        -- per input event: its place (the stored original for a duplicate)
        o_pos bigint[];
        o_stream text[];
        o_ver bigint[];
        same_as integer[];
        new_count integer;
        ins_idx integer[];
        ins_pos bigint[];
        ins_hash bytea[];
        j integer;
      BEGIN
        IF n = 0 THEN
          RAISE EXCEPTION 'append needs at least one event' USING ERRCODE = 'AE002';
        END IF;
        IF coalesce(cardinality(p_schema_versions), 0) <> n OR coalesce(cardinality(p_payloads), 0) <> n
           OR coalesce(cardinality(p_metadata), 0) <> n OR coalesce(cardinality(p_occurred_at), 0) <> n
           OR coalesce(cardinality(p_keys), 0) <> n THEN
          RAISE EXCEPTION 'append arrays must all have % elements', n USING ERRCODE = 'AE002';
        END IF;
        IF p_expected_version < -2 THEN
          RAISE EXCEPTION 'invalid expected version %', p_expected_version USING ERRCODE = 'AE002';
        END IF;
        -- a call of one event goes to event_store.append_one, which holds the rules for one event
        IF n = 1 THEN
          RETURN QUERY SELECT * FROM event_store.append_one(p_stream_id, p_stream_type, p_expected_version, p_types[1],
                                                            p_schema_versions[1], p_payloads[1], p_metadata[1], p_occurred_at[1], p_keys[1]);
          RETURN;
        END IF;

        -- 1. the stream lock
        SELECT s.version, s.head_hash INTO v_version, v_hash
          FROM event_store.streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
        v_found := FOUND;

        -- 2. idempotency. Most calls carry only keys never stored and none twice: one probe of the
        -- unique index per key says so (LATERAL ... LIMIT 1: a plain join lets the planner pick a
        -- hash join over a sequential scan of the whole log while the table is small or its
        -- statistics stale, and PL/pgSQL keeps that plan as the log grows). Such a call is
        -- "plain": every event is new and in call order, and the bookkeeping below is skipped.
        v_plain := NOT EXISTS (SELECT 1 FROM unnest(p_keys) k(key)
                                CROSS JOIN LATERAL (SELECT 1 FROM event_store.events s WHERE s.idempotency_key = k.key LIMIT 1) e)
               AND NOT EXISTS (SELECT 1 FROM unnest(p_keys) k(key) WHERE k.key IS NOT NULL GROUP BY k.key HAVING count(*) > 1);
        IF v_plain THEN
          new_count := n;
        ELSE
          -- each event's stored original, and the first of its key in this call
          -- (arrays are read with unnest, never subscripted in SQL: a subscript of a variable-width
          -- array walks it from the start, which would make a large append quadratic)
          SELECT array_agg(e.position ORDER BY f.i), array_agg(e.stream_id ORDER BY f.i), array_agg(e.stream_version ORDER BY f.i),
                 array_agg(CASE WHEN f.key IS NOT NULL AND f.first < f.i THEN f.first END ORDER BY f.i)
            INTO o_pos, o_stream, o_ver, same_as
            FROM (SELECT k.i, k.key, min(k.i) OVER (PARTITION BY k.key) AS first
                    FROM unnest(p_keys) WITH ORDINALITY AS k(key, i)) f
            LEFT JOIN LATERAL (SELECT s.position, s.stream_id, s.stream_version FROM event_store.events s
                                WHERE s.idempotency_key = f.key LIMIT 1) e ON true;
          -- new: neither stored before nor a repeat of an earlier event of this call (whose original, if stored, counts)
          FOR i IN 1..n LOOP
            IF same_as[i] IS NOT NULL AND o_pos[same_as[i]] IS NOT NULL THEN
              o_pos[i] := o_pos[same_as[i]]; o_stream[i] := o_stream[same_as[i]]; o_ver[i] := o_ver[same_as[i]]; same_as[i] := NULL;
            END IF;
          END LOOP;
          SELECT array_agg(x.i ORDER BY x.i) INTO ins_idx
            FROM unnest(o_pos, same_as) WITH ORDINALITY AS x(pos, same, i) WHERE x.pos IS NULL AND x.same IS NULL;
          new_count := coalesce(cardinality(ins_idx), 0);
        END IF;

        IF new_count > 0 THEN
          -- 3. a new stream gets its row; then optimistic concurrency, before any position is taken
          IF NOT v_found THEN
            INSERT INTO event_store.streams (stream_id, stream_type, version)
              VALUES (p_stream_id, p_stream_type, 0) ON CONFLICT ON CONSTRAINT streams_pkey DO NOTHING;
            SELECT s.version, s.head_hash INTO v_version, v_hash
              FROM event_store.streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
          END IF;
          IF (p_expected_version >= 0 AND v_version <> p_expected_version)
             OR (p_expected_version = -2 AND v_version = 0) THEN
            RAISE EXCEPTION 'wrong expected version for stream %: expected %, actual %',
                p_stream_id,
                CASE p_expected_version WHEN -2 THEN 'stream-exists' WHEN 0 THEN 'no-stream' ELSE p_expected_version::text END,
                v_version
              USING ERRCODE = 'AE001', DETAIL = v_version::text;
          END IF;
          v_txid := pg_current_xact_id();

          -- 4. each new event's position, canonical bytes and link of the chain, in call order, as
          -- PL/pgSQL expressions: they need no executor, and the bytes are hashed as they are made,
          -- never gathered into an array. (The arguments are subscripted here, not in SQL: PL/pgSQL
          -- keeps array arguments expanded, so p_payloads[j] is a direct lookup, not a walk.)
          FOR k IN 1..new_count LOOP
            j := CASE WHEN v_plain THEN k ELSE ins_idx[k] END;
            ins_pos[k] := nextval('event_store.positions');
            v_hash := sha256(coalesce(v_hash, ''::bytea) || event_store.event_bytes(ins_pos[k], p_stream_id, v_version + k,
                        p_types[j], p_schema_versions[j], p_payloads[j], p_metadata[j], p_occurred_at[j], v_now, p_keys[j]));
            ins_hash[k] := v_hash;
          END LOOP;

          IF v_plain THEN
            INSERT INTO event_store.events
              (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata,
               occurred_at, recorded_at, idempotency_key, hash)
            SELECT a.pos, v_txid, p_stream_id, v_version + a.i, a.type, a.sv, a.payload, a.metadata, a.occurred, v_now, a.key, a.hash
              FROM unnest(ins_pos, p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys, ins_hash) WITH ORDINALITY
                   AS a(pos, type, sv, payload, metadata, occurred, key, hash, i);
          ELSE
            INSERT INTO event_store.events
              (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata,
               occurred_at, recorded_at, idempotency_key, hash)
            SELECT x.pos, v_txid, p_stream_id, v_version + x.ord, a.type, a.sv, a.payload, a.metadata, a.occurred, v_now, a.key, x.hash
              FROM unnest(ins_idx, ins_pos, ins_hash) WITH ORDINALITY AS x(idx, pos, hash, ord)
              JOIN unnest(p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys) WITH ORDINALITY
                   AS a(type, sv, payload, metadata, occurred, key, i) ON a.i = x.idx;
          END IF;

          -- 5. the new head. Subscribers are woken by the writer (PostgresEventStore), not by a NOTIFY
          -- here: a NOTIFY in every append would serialize the commits of all writers.
          UPDATE event_store.streams s SET version = v_version + new_count, head_hash = v_hash, updated_at = v_now
           WHERE s.stream_id = p_stream_id;
        END IF;

        IF v_plain THEN
          RETURN QUERY SELECT r.key, r.pos, p_stream_id, v_version + r.i, false
                         FROM unnest(p_keys, ins_pos) WITH ORDINALITY AS r(key, pos, i);
          RETURN;
        END IF;
        -- the new events' places, then each repeat answers with its first's
        FOR k IN 1..new_count LOOP
          o_pos[ins_idx[k]] := ins_pos[k];
          o_ver[ins_idx[k]] := v_version + k;
          o_stream[ins_idx[k]] := p_stream_id;
        END LOOP;
        FOR i IN 1..n LOOP
          IF same_as[i] IS NOT NULL THEN
            o_pos[i] := o_pos[same_as[i]]; o_ver[i] := o_ver[same_as[i]]; o_stream[i] := o_stream[same_as[i]];
          END IF;
        END LOOP;
        RETURN QUERY SELECT r.key, r.pos, r.sid, r.ver, NOT coalesce(r.i = ANY(ins_idx), false)
                       FROM unnest(p_keys, o_pos, o_stream, o_ver) WITH ORDINALITY AS r(key, pos, sid, ver, i);
      END $$`;

export class AppendChainLoop1764300014000 implements MigrationInterface {
  name = 'AppendChainLoop1764300014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_V5);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(APPEND_V4);
  }
}
