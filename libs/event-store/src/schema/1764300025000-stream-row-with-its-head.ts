import type { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceOnce } from '@annals/database/function-text';
import { APPEND_ONE_V2 } from './1764300018000-stream-write-lock';
import { APPEND_MANY_V5, APPEND_V7 } from './1764300024000-append-new-keys-first';

/**
 * A new stream's row is written once, with its head, after its events: not inserted at version
 * 0 before them and then updated.
 *
 * Every append that created a stream wrote its row twice: an INSERT at version 0 (append_many's
 * probed first, with ON CONFLICT for a creator racing it), then, once the events were in, an
 * UPDATE to the new head. The UPDATE leaves a dead row version behind and, the page being full
 * of rows inserted just before, mostly a second entry in the stream id's index, which
 * autovacuum has to clean up later. Annals' ingestor creates a stream once per coalition,
 * country and year of meetings (decision 0008), so it pays this rarely; a writer that creates
 * many streams (a stream per entity) pays it on every call.
 * The row went in first so that a concurrent creator would be met on its key, and the version
 * checked under the row's lock; since migration 1764300018000 every writer of a stream takes its
 * write lock first, so nobody can create the stream meanwhile, and the head read without a row
 * says version 0. So a stream not found when its head is read is now inserted at the end with
 * its version and head, in the same statement as the others' heads move (append_many), or in
 * place of the UPDATE (`append`, append_one). A row that appeared meanwhile can only come from a
 * writer that bypassed the functions: the INSERT then fails on the stream id's key, as the head
 * UPDATE fails on a moved head. A stream id or type its domain refuses is now refused at the
 * end of the call rather than at its start: the call fails all the same, with the same error,
 * and nothing of it is written (its positions are gaps, which readers never wait for: decision
 * 0003; the store checks stream ids before it sends a call).
 * Measured (one database, 30 alternating blocks of 10 calls, one writer): append_many of 400
 * new streams of one event each, server time per call 26.7 ms before, 12.3 ms after
 * (docs/decisions/0004-append-function.md, the amendment "a new stream's row written once");
 * calls that extend existing streams, Annals' usual ones, are unchanged.
 */

/** The columns of a new stream's row, written once with its head. */
const NEW_STREAM_COLUMNS = 'stream_id, stream_type, version, head_hash, created_at, updated_at';

/** append_many, sixth version: the fifth, its new streams' rows inserted with their heads at the end. */
export const APPEND_MANY_V6 = [
  (t: string) => replaceOnce(t, '        s_ok boolean[];\n', '        s_ok boolean[];\n        s_found boolean[];\n'),
  // the rows are no longer made first
  (t: string) =>
    replaceOnce(
      t,
      t.slice(t.indexOf('        -- 1. Streams that may be created (no-stream or any expected) get their row'), t.indexOf("        -- 2. The call's streams' heads")),
      `        -- 1. (No stream's row is made first: a new stream's row is inserted with its head at the
        -- end, migration 1764300025000.)

`,
    ),
  (t: string) =>
    replaceOnce(
      t,
      'ORDER BY s.i)\n          INTO s_version, s_head, s_ok\n',
      'ORDER BY s.i),\n               array_agg(l.stream_id IS NOT NULL ORDER BY s.i)\n          INTO s_version, s_head, s_ok, s_found\n',
    ),
  (t: string) =>
    replaceOnce(
      t,
      t.slice(t.indexOf("          -- 5. The new heads: each written stream's last event"), t.indexOf('          IF v_moved <> v_written THEN')),
      `          -- 5. The new heads: each written stream's last event, moved from the head read where the
          -- stream has a row (the call fails if one was moved since: only a writer that bypassed
          -- the functions could have), and a new stream's row with its head (migration 1764300025000).
          WITH h AS (SELECT DISTINCT ON (x.sid) x.sid, x.ver, x.hash, x.ver - count(*) OVER (PARTITION BY x.sid) AS was
                       FROM unnest(e_sid, e_ver, e_hash) AS x(sid, ver, hash)
                      ORDER BY x.sid, x.ver DESC),
               s AS (SELECT s.sid, s.stype, s.found FROM unnest(p_stream_ids, p_stream_types, s_found) AS s(sid, stype, found)),
               moved AS (UPDATE event_store.streams st SET version = h.ver, head_hash = h.hash, updated_at = v_now
                           FROM h JOIN s ON s.sid = h.sid
                          WHERE s.found AND st.stream_id = h.sid AND st.version = h.was
                         RETURNING 1),
               created AS (INSERT INTO event_store.streams (${NEW_STREAM_COLUMNS})
                           SELECT h.sid, s.stype, h.ver, h.hash, v_now, v_now
                             FROM h JOIN s ON s.sid = h.sid
                            WHERE NOT s.found
                           RETURNING 1)
          SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM created) INTO v_moved;
`,
    ),
].reduce((text, edit) => edit(text), APPEND_MANY_V5);

/** `append`, eighth version: the seventh, a new stream's row inserted with its head in place of the head's UPDATE. */
export const APPEND_V8 = [
  (t: string) =>
    replaceOnce(
      t,
      `            IF NOT v_found THEN
              INSERT INTO event_store.streams (stream_id, stream_type, version) VALUES (p_stream_id, p_stream_type, 0);
            END IF;
`,
      '',
    ),
  (t: string) =>
    replaceOnce(
      t,
      `            UPDATE event_store.streams s SET version = v_version + n, head_hash = v_hash, updated_at = v_now
             WHERE s.stream_id = p_stream_id AND s.version = v_version;
            IF NOT FOUND THEN
              RAISE EXCEPTION 'stream % was moved by a writer that did not take its write lock', p_stream_id;
            END IF;
`,
      `            IF v_found THEN
              UPDATE event_store.streams s SET version = v_version + n, head_hash = v_hash, updated_at = v_now
               WHERE s.stream_id = p_stream_id AND s.version = v_version;
              IF NOT FOUND THEN
                RAISE EXCEPTION 'stream % was moved by a writer that did not take its write lock', p_stream_id;
              END IF;
            ELSE
              -- a new stream's row, once, with its head (migration 1764300025000)
              INSERT INTO event_store.streams (${NEW_STREAM_COLUMNS}) VALUES (p_stream_id, p_stream_type, n, v_hash, v_now, v_now);
            END IF;
`,
    ),
].reduce((text, edit) => edit(text), APPEND_V7);

/** append_one, third version: the second, a new stream's row inserted with its head in place of the head's UPDATE. */
export const APPEND_ONE_V3 = [
  (t: string) =>
    replaceOnce(
      t,
      `        -- 4. a new stream gets its row; then optimistic concurrency, before the position is taken
        IF NOT v_found THEN
          INSERT INTO event_store.streams (stream_id, stream_type, version)
            VALUES (p_stream_id, p_stream_type, 0) ON CONFLICT ON CONSTRAINT streams_pkey DO NOTHING;
          SELECT s.version, s.head_hash INTO v_version, v_hash
            FROM event_store.streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
        END IF;
`,
      `        -- 4. a new stream is at version 0 (its row is inserted with its head in step 5: under the
        -- write lock nobody else can create it meanwhile); then optimistic concurrency, before the
        -- position is taken
        IF NOT v_found THEN
          v_version := 0;
          v_hash := NULL;
        END IF;
`,
    ),
  (t: string) =>
    replaceOnce(
      t,
      `        UPDATE event_store.streams s SET version = v_version + 1, head_hash = v_hash, updated_at = v_now
         WHERE s.stream_id = p_stream_id;
`,
      `        IF v_found THEN
          UPDATE event_store.streams s SET version = v_version + 1, head_hash = v_hash, updated_at = v_now
           WHERE s.stream_id = p_stream_id;
        ELSE
          INSERT INTO event_store.streams (${NEW_STREAM_COLUMNS}) VALUES (p_stream_id, p_stream_type, 1, v_hash, v_now, v_now);
        END IF;
`,
    ),
].reduce((text, edit) => edit(text), APPEND_ONE_V2);

export class StreamRowWithItsHead1764300025000 implements MigrationInterface {
  name = 'StreamRowWithItsHead1764300025000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_ONE_V3);
    await q.query(APPEND_V8);
    await q.query(APPEND_MANY_V6);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(APPEND_MANY_V5);
    await q.query(APPEND_V7);
    await q.query(APPEND_ONE_V2);
  }
}
