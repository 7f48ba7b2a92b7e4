import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APPEND_V3 } from './1764300005000-append-fast-path';

/**
 * event_store.append_one: the append of one event, with scalar arguments, one row back; and
 * event_store.append, fourth version, which hands it every call of one event.
 *
 * A command handler appends one event per call. Through the third version of `append`, such a
 * call ran six statements built for arrays (the plain check's unnest and GROUP BY, the positions
 * and bytes from unnest with two ordered array_aggs, the insert from unnest, the answer from
 * unnest), and a backend's profile (8 writers) put 17% of its time in starting the executor for
 * them, against 11% in the insert itself; its six array arguments were printed and escaped by
 * the client and parsed back by PostgreSQL (array_in: 4%). append_one probes its key with one
 * index lookup, computes the position, the canonical bytes and the hash as PL/pgSQL expressions
 * (which need no executor), inserts a VALUES row and returns one row, its arguments scalars.
 * Measured in two steps (docs/decisions/0004-append-function.md): the scalar statements inside
 * `append` took the server time of a call from 0.199 to 0.146 ms and 8 writers from
 * 2,850-3,170 to 3,460-3,770 events/s; the separate function with scalar arguments then took
 * 8 writers from 2,670-4,282 to 3,534-4,332 events/s (every interleaved pair in favour).
 *
 * One definition of the rules for one event: `append` hands a call of one event to append_one
 * (SQL callers and append_many's per-stream path get the same). Its steps are `append`'s: the
 * lock, the key (a stored key answers with its original place at any expected version, nothing
 * written, no stream created), the stream's row and the expected version (AE001 with the actual
 * version), the position, the canonical bytes chained onto the head, the head. `append`
 * otherwise is the third version (1764300005000-append-fast-path), whose comments, with
 * 1764300000000-event-store's, explain the steps. This file holds append_one's first version and
 * `append`'s fourth; 1764300018000-stream-write-lock holds append_one's current one, which moves
 * the stream's head in one UPDATE under the stream's write lock.
 */
export const APPEND_ONE = `
      CREATE FUNCTION event_store.append_one(
        p_stream_id text,
        p_stream_type text,
        p_expected_version bigint,
        p_type text,
        p_schema_version integer,
        p_payload jsonb,
        p_metadata jsonb,
        p_occurred_at timestamptz,
        p_key text,
        OUT idempotency_key text, OUT "position" bigint, OUT stream_id text, OUT stream_version bigint, OUT duplicate boolean
      ) LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        v_found boolean;
        v_version bigint;
        v_hash bytea;
        v_position bigint;
        v_now timestamptz := now();
      BEGIN
        IF p_expected_version < -2 THEN
          RAISE EXCEPTION 'invalid expected version %', p_expected_version USING ERRCODE = 'AE002';
        END IF;

        -- 1. the stream lock
        SELECT s.version, s.head_hash INTO v_version, v_hash
          FROM event_store.streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
        v_found := FOUND;

        -- 2. idempotency: a stored key answers with its original place, at any expected version,
        -- and nothing is written (one probe of the unique index; a null key finds nothing)
        idempotency_key := p_key;
        SELECT e.position, e.stream_id, e.stream_version INTO "position", stream_id, stream_version
          FROM event_store.events e WHERE e.idempotency_key = p_key;
        IF FOUND THEN
          duplicate := true;
          RETURN;
        END IF;

        -- 3. a new stream gets its row; then optimistic concurrency, before the position is taken
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

        -- 4. the position, the canonical bytes chained onto the head, the row
        v_position := nextval('event_store.positions');
        v_hash := sha256(coalesce(v_hash, ''::bytea)
          || event_store.event_bytes(v_position, p_stream_id, v_version + 1, p_type, p_schema_version, p_payload, p_metadata, p_occurred_at, v_now, p_key));
        INSERT INTO event_store.events
          (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata,
           occurred_at, recorded_at, idempotency_key, hash)
        VALUES (v_position, pg_current_xact_id(), p_stream_id, v_version + 1, p_type, p_schema_version, p_payload, p_metadata,
                p_occurred_at, v_now, p_key, v_hash);

        -- 5. the new head (subscribers are woken by the writer: see append)
        UPDATE event_store.streams s SET version = v_version + 1, head_hash = v_hash, updated_at = v_now
         WHERE s.stream_id = p_stream_id;

        "position" := v_position;
        stream_id := p_stream_id;
        stream_version := v_version + 1;
        duplicate := false;
      END $$`;

export const APPEND_V4 = `
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
        ins_bytes bytea[];
        b bytea;
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

          -- 4. positions and canonical bytes (for a plain call in one statement: nextval is taken
          -- in call order, as unnest yields the events), then the chain, link by link
          IF v_plain THEN
            SELECT array_agg(x.pos ORDER BY x.i),
                   array_agg(event_store.event_bytes(x.pos, p_stream_id, v_version + x.i, x.type, x.sv, x.payload, x.metadata, x.occurred, v_now, x.key) ORDER BY x.i)
              INTO ins_pos, ins_bytes
              FROM (SELECT a.*, nextval('event_store.positions') AS pos
                      FROM unnest(p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys) WITH ORDINALITY
                           AS a(type, sv, payload, metadata, occurred, key, i)) x;
          ELSE
            -- (positions first, on their own: a sequence read inside the join could be rescanned)
            SELECT array_agg(nextval('event_store.positions') ORDER BY x.ord) INTO ins_pos FROM generate_series(1, new_count) AS x(ord);
            SELECT array_agg(event_store.event_bytes(x.pos, p_stream_id, v_version + x.ord, a.type, a.sv, a.payload, a.metadata, a.occurred, v_now, a.key) ORDER BY x.ord)
              INTO ins_bytes
              FROM unnest(ins_idx, ins_pos) WITH ORDINALITY AS x(idx, pos, ord)
              JOIN unnest(p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys) WITH ORDINALITY
                   AS a(type, sv, payload, metadata, occurred, key, i) ON a.i = x.idx;
          END IF;
          ins_hash := array_fill(NULL::bytea, ARRAY[new_count]);
          k := 0;
          FOREACH b IN ARRAY ins_bytes LOOP
            k := k + 1;
            v_hash := sha256(coalesce(v_hash, ''::bytea) || b);
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

export class AppendOne1764300013000 implements MigrationInterface {
  name = 'AppendOne1764300013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_ONE);
    await q.query(APPEND_V4);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(APPEND_V3);
    await q.query('DROP FUNCTION event_store.append_one(text, text, bigint, text, integer, jsonb, jsonb, timestamptz, text)');
  }
}
