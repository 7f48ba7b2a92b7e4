import type { MigrationInterface, QueryRunner } from 'typeorm';
import { insertBefore, replaceOnce } from '@annals/database/function-text';
import { APPEND_MANY_V4, APPEND_V6 } from './1764300018000-stream-write-lock';

/**
 * `append` and append_many write a call as if every key were new, and look for stored or
 * repeated keys only when the unique index says there is one.
 *
 * Until now each call of several events first asked whether any of its keys was stored or
 * repeated within the call (two statements: a probe of the unique index per key, and a grouping
 * of the keys), then locked its stream rows (SELECT ... FOR UPDATE) and only then wrote. Almost
 * every call carries new keys only (the ingestor's decide drops a redelivered report before it
 * reaches the store), and its INSERT probes the same unique index for each key anyway. Now the
 * usual call is tried first, inside a block with an exception handler (a subtransaction):
 * - the stream heads are read without a row lock: every writer of a stream holds its write lock
 *   (migration 1764300018000), taken before, so the rows are the call's to change and the
 *   versions read are the last ones committed. The head UPDATE changes a row only at the version
 *   read, and the call fails if it is not there (only a writer that bypassed the functions could
 *   have moved it);
 * - a stored or repeated key makes the INSERT fail on events_idempotency_key; the handler undoes
 *   the attempt (the new stream rows, the events, the heads) and the call takes the checked path,
 *   the previous version, unchanged, which answers such keys with their originals. Another unique
 *   violation is raised as it was;
 * - a stream not at the version expected leaves the attempt before any position is taken, also
 *   for the checked path: a call whose keys are all stored is answered at any expected version,
 *   so the version alone cannot decide it. There the conflict is raised (`append`) or reported
 *   (append_many) as before.
 * Positions an undone attempt took are not used again: gaps, which readers never wait for
 * (decision 0003); a call that loses on its version takes none, as before.
 * Measured (scratch A/B, one database per variant, 16 alternating blocks of 100 calls per writer,
 * medians of the per-block ratios; docs/decisions/0004-append-function.md, the amendment "new keys
 * first"): this version against the sixth, per call of 10 events, server time 0.86 with one writer
 * and 0.88 with eight, end to end 0.90 and 0.93; of 100 events, one writer, 0.90 and 0.92. The
 * subtransaction's own cost and the answer rows' could not be told from the noise (the same
 * function without either measured the same within ±3%).
 */

/** Why the attempt is left for the checked path: a key met the unique index (or, in append_many, a stream is not where expected). */
const TAKE_CHECKED_PATH = 'AE009';

/** The handler of an attempt: a stored or repeated key goes on to the checked path; any other unique violation is the caller's. */
const handler = (also = '') => `        EXCEPTION WHEN unique_violation${also} THEN
          GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
          IF v_constraint IS DISTINCT FROM 'events_idempotency_key' AND SQLSTATE = '23505' THEN
            RAISE;
          END IF;
        END;
`;

/** `append`, seventh version: the sixth, its usual call tried first (the sixth's steps are the checked path). */
export const APPEND_V7 = insertBefore(
  insertBefore(APPEND_V6, '        v_txid xid8;\n', '        v_constraint text;\n'),
  '        -- 1. the stream lock\n',
  `        -- The usual call, tried first (migration 1764300024000): every key new and none repeated,
        -- the stream where the caller expects it. The head is read without a row lock (the write
        -- lock above keeps every other writer out); a stored or repeated key fails the INSERT on
        -- the unique index, which undoes the attempt, and the call goes on to the checked path.
        BEGIN
          SELECT s.version, s.head_hash INTO v_version, v_hash FROM event_store.streams s WHERE s.stream_id = p_stream_id;
          v_found := FOUND;
          IF NOT v_found THEN
            v_version := 0;
          END IF;
          IF NOT ((p_expected_version >= 0 AND v_version <> p_expected_version) OR (p_expected_version = -2 AND v_version = 0)) THEN
            IF NOT v_found THEN
              INSERT INTO event_store.streams (stream_id, stream_type, version) VALUES (p_stream_id, p_stream_type, 0);
            END IF;
            v_txid := pg_current_xact_id();
            FOR k IN 1..n LOOP
              ins_pos[k] := nextval('event_store.positions');
              v_hash := sha256(coalesce(v_hash, ''::bytea) || event_store.event_bytes(ins_pos[k], p_stream_id, v_version + k,
                          p_types[k], p_schema_versions[k], p_payloads[k], p_metadata[k], p_occurred_at[k], v_now, p_keys[k]));
              ins_hash[k] := v_hash;
            END LOOP;
            INSERT INTO event_store.events
              (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata,
               occurred_at, recorded_at, idempotency_key, hash)
            SELECT a.pos, v_txid, p_stream_id, v_version + a.i, a.type, a.sv, a.payload, a.metadata, a.occurred, v_now, a.key, a.hash
              FROM unnest(ins_pos, p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys, ins_hash) WITH ORDINALITY
                   AS a(pos, type, sv, payload, metadata, occurred, key, hash, i);
            UPDATE event_store.streams s SET version = v_version + n, head_hash = v_hash, updated_at = v_now
             WHERE s.stream_id = p_stream_id AND s.version = v_version;
            IF NOT FOUND THEN
              RAISE EXCEPTION 'stream % was moved by a writer that did not take its write lock', p_stream_id;
            END IF;
            RETURN QUERY SELECT r.key, r.pos, p_stream_id, v_version + r.i, false
                           FROM unnest(p_keys, ins_pos) WITH ORDINALITY AS r(key, pos, i);
            RETURN;
          END IF;
${handler()}        -- (PL/pgSQL variables are not undone with the attempt: the checked path sets all it reads,
        -- but these two it fills by index, up to its own count)
        ins_pos := NULL;
        ins_hash := NULL;

        -- The checked path: the sixth version's steps.
`,
);

/** append_many, fifth version: the fourth, its usual call tried first, append_many_per_stream (under the same locks) the checked path. */
export const APPEND_MANY_V5 = [
  (t: string) => insertBefore(t, '        v_txid xid8;\n', '        v_constraint text;\n        v_written integer := 0;\n        v_moved integer;\n'),
  // the probe of the keys goes; the attempt begins where it was
  (t: string) =>
    replaceOnce(
      t,
      t.slice(t.indexOf('        -- A call with a stored or repeated key:'), t.indexOf('        -- 1. Every event is new.')),
      `        -- The usual call, tried first (migration 1764300024000): every key new and none repeated,
        -- every stream where the caller expects it. A stored or repeated key fails the INSERT on the
        -- unique index, a stream elsewhere fails the attempt before any position is taken; either
        -- undoes the attempt, and the call goes on to append_many_per_stream, the checked path.
        BEGIN
`,
    ),
  // (under the write locks no other writer can be creating one of the call's streams meanwhile)
  (t: string) =>
    replaceOnce(
      t,
      `        -- 1. Every event is new. Streams that may be created (no-stream or any expected) get their
        -- row, in stream id order; a writer creating the same stream meanwhile is waited for, and
        -- its row then counts as found. Streams expected to exist, or at a version, are not created.`,
      `        -- 1. Streams that may be created (no-stream or any expected) get their row, in stream id
        -- order. Streams expected to exist, or at a version, are not created.`,
    ),
  // the heads are read without row locks: the write locks above keep every other writer out
  (t: string) =>
    replaceOnce(
      t,
      `        -- 2. Lock the call's streams in stream id order; a stream without a row is at version 0.
        -- Then each stream's expectation, before any position is taken.`,
      `        -- 2. The call's streams' heads (no row locks: the write locks above keep every other writer
        -- out); a stream without a row is at version 0. Then each stream's expectation, before any
        -- position is taken: a stream elsewhere sends the call to the checked path, where a call
        -- whose keys are all stored is answered at any expected version.`,
    ),
  (t: string) => replaceOnce(t, `WHERE st.stream_id = ANY(p_stream_ids) ORDER BY st.stream_id FOR UPDATE) l`, `WHERE st.stream_id = ANY(p_stream_ids)) l`),
  (t: string) =>
    insertBefore(
      t,
      '        -- 3. The events written',
      `        IF false = ANY (s_ok) THEN
          RAISE EXCEPTION 'a stream is not at the version expected' USING ERRCODE = '${TAKE_CHECKED_PATH}';
        END IF;

`,
    ),
  (t: string) => replaceOnce(t, '\n                 WHERE s.ok) x;', ') x;'),
  // count the streams written (their first events) for the heads' check
  (t: string) => replaceOnce(t, `              v_stream := e_stream[k];\n`, `              v_stream := e_stream[k];\n              v_written := v_written + 1;\n`),
  (t: string) =>
    replaceOnce(
      t,
      `          -- 5. The new heads: each written stream's last event.
          UPDATE event_store.streams st SET version = h.ver, head_hash = h.hash, updated_at = v_now
            FROM (SELECT DISTINCT ON (x.sid) x.sid, x.ver, x.hash
                    FROM unnest(e_sid, e_ver, e_hash) AS x(sid, ver, hash)
                   ORDER BY x.sid, x.ver DESC) h
           WHERE st.stream_id = h.sid;`,
      `          -- 5. The new heads: each written stream's last event, on the head read (the call fails if
          -- one was moved since: only a writer that bypassed the functions could have).
          UPDATE event_store.streams st SET version = h.ver, head_hash = h.hash, updated_at = v_now
            FROM (SELECT DISTINCT ON (x.sid) x.sid, x.ver, x.hash, x.ver - count(*) OVER (PARTITION BY x.sid) AS was
                    FROM unnest(e_sid, e_ver, e_hash) AS x(sid, ver, hash)
                   ORDER BY x.sid, x.ver DESC) h
           WHERE st.stream_id = h.sid AND st.version = h.was;
          GET DIAGNOSTICS v_moved = ROW_COUNT;
          IF v_moved <> v_written THEN
            RAISE EXCEPTION 'a stream of the call was moved by a writer that did not take its write lock';
          END IF;`,
    ),
  // every stream is where expected by now: the answer is the events written
  (t: string) =>
    replaceOnce(
      t,
      `            JOIN unnest(p_keys) WITH ORDINALITY AS a(key, i) ON a.i = x.req
          UNION ALL
          SELECT a.i::integer, a.key, NULL::bigint, s.sid, NULL::bigint, false, s.version
            FROM unnest(p_streams, p_keys) WITH ORDINALITY AS a(stream, key, i)
            JOIN unnest(p_stream_ids, s_version, s_ok) WITH ORDINALITY AS s(sid, version, ok, i) ON s.i = a.stream
           WHERE NOT s.ok;
`,
      `            JOIN unnest(p_keys) WITH ORDINALITY AS a(key, i) ON a.i = x.req;
        RETURN;
${handler(` OR SQLSTATE '${TAKE_CHECKED_PATH}'`)}
        -- The checked path: one append per stream, under the same locks.
        RETURN QUERY SELECT * FROM event_store.append_many_per_stream(p_stream_ids, p_stream_types, p_expected_versions, p_streams,
                                                                         p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys);
`,
    ),
].reduce((text, edit) => edit(text), APPEND_MANY_V4);

export class AppendNewKeysFirst1764300024000 implements MigrationInterface {
  name = 'AppendNewKeysFirst1764300024000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_V7);
    await q.query(APPEND_MANY_V5);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(APPEND_MANY_V4);
    await q.query(APPEND_V6);
  }
}
