import type { MigrationInterface, QueryRunner } from 'typeorm';
import { insertBefore } from '@annals/database/function-text';
import { APPEND_ONE } from './1764300013000-append-one';
import { APPEND_V5 } from './1764300014000-append-chain-loop';
import { APPEND_MANY_V3 } from './1764300015000-append-many-chain-loop';

/**
 * A stream's writers take its write lock (a transaction-scoped advisory lock on the stream id's
 * hash) before anything else, and event_store.append_one moves a stream's head in one UPDATE.
 *
 * append_one locked the stream's row (SELECT ... FOR UPDATE) and, after inserting the event,
 * updated it: two statements on the row, the lock itself a write (the row's xmax, a WAL record).
 * Its usual call, a stream that exists at the version the caller expects, now runs one UPDATE
 * that locks the row, checks the version and chains the event onto the head, taking the event's
 * position inside it. A position must not be taken by a writer that then loses (positions are
 * taken only after every check: docs/decisions/0003-global-order.md), and an UPDATE that waits
 * for another writer's row lock evaluates its new values before the wait and again after it;
 * the write lock makes sure it never waits: every writer of the stream takes the lock first, so
 * the row is free by the time the UPDATE reaches it, and the version it checks is the last one
 * committed. A call that finds no row at that version (a new stream, a version that does not
 * match) changes nothing and goes on under the row lock as before; its key is probed before
 * the UPDATE, and again once the row is locked when the stream exists (a writer that moved it
 * since may have stored the key).
 * `append` takes the lock for its stream; append_many takes its streams' locks in the order of
 * their keys, all of them before any row lock, so that two calls cannot deadlock on them, nor
 * on the rows they lock after (append_many_per_stream is only called by append_many, under them).
 * The lock is the two-key advisory form (its own space: the projector's pair locks and the
 * migration lock use the one-key form); two streams whose ids hash alike only share a lock.
 * Measured (pg_stat_statements, 8 writers of one event, each on its own stream, 12 blocks of 200
 * appends each, alternating): server time per call 0.297 ms before, 0.275 after
 * (docs/decisions/0004-append-function.md).
 * This file holds append_one's current definition; `append` and append_many are their previous
 * versions with the lock.
 */
const STREAM_LOCK_CLASS = 7312;
/** The call that takes a stream's write lock. */
const streamLock = (streamId: string) => `pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, hashtext(${streamId}))`;
/** The PL/pgSQL statement that takes it (the void tested for null only to make an assignable expression, which needs no executor). */
const takeStreamLock = (streamId: string) => `v_locked := ${streamLock(streamId)} IS NULL;`;

/** A stored key answers with its original place, and the call ends (in append_one, which probes it twice). */
const answerStoredKey = `        SELECT e.position, e.stream_id, e.stream_version INTO "position", stream_id, stream_version
          FROM event_store.events e WHERE e.idempotency_key = p_key;
        IF FOUND THEN
          duplicate := true;
          RETURN;
        END IF;`;

export const APPEND_ONE_V2 = `
      CREATE OR REPLACE FUNCTION event_store.append_one(
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
        v_locked boolean;
        v_found boolean;
        v_version bigint;
        v_hash bytea;
        v_position bigint;
        v_now timestamptz := now();
      BEGIN
        IF p_expected_version < -2 THEN
          RAISE EXCEPTION 'invalid expected version %', p_expected_version USING ERRCODE = 'AE002';
        END IF;

        -- 1. idempotency: a stored key answers with its original place, at any expected version,
        -- and nothing is written (one probe of the unique index; a null key finds nothing)
        idempotency_key := p_key;
${answerStoredKey}

        -- 2. the stream's write lock, then the usual call: the stream exists at the version expected
        -- (any version, or any but none). One UPDATE checks it and moves the head, taking the
        -- position inside, only for the row it changes; under the write lock it never waits.
        ${takeStreamLock('p_stream_id')}
        IF p_expected_version <> 0 THEN
          UPDATE event_store.streams s
             SET version = s.version + 1,
                 head_hash = sha256(coalesce(s.head_hash, ''::bytea) || event_store.event_bytes(nextval('event_store.positions'), p_stream_id,
                   s.version + 1, p_type, p_schema_version, p_payload, p_metadata, p_occurred_at, v_now, p_key)),
                 updated_at = v_now
           WHERE s.stream_id = p_stream_id
             AND (s.version = p_expected_version OR p_expected_version = -1 OR (p_expected_version = -2 AND s.version > 0))
          RETURNING s.version, s.head_hash, currval('event_store.positions') INTO v_version, v_hash, v_position;
          IF FOUND THEN
            INSERT INTO event_store.events
              (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata,
               occurred_at, recorded_at, idempotency_key, hash)
            VALUES (v_position, pg_current_xact_id(), p_stream_id, v_version, p_type, p_schema_version, p_payload, p_metadata,
                    p_occurred_at, v_now, p_key, v_hash);
            "position" := v_position;
            stream_id := p_stream_id;
            stream_version := v_version;
            duplicate := false;
            RETURN;
          END IF;
        END IF;

        -- 3. otherwise (a new stream, a version that does not match) the stream's row, locked
        SELECT s.version, s.head_hash INTO v_version, v_hash
          FROM event_store.streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
        v_found := FOUND;
        -- (a writer that moved the stream since the key's probe may have stored the key)
        IF v_found THEN
${answerStoredKey}
        END IF;

        -- 4. a new stream gets its row; then optimistic concurrency, before the position is taken
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

        -- 5. the position, the canonical bytes chained onto the head, the row, the new head
        v_position := nextval('event_store.positions');
        v_hash := sha256(coalesce(v_hash, ''::bytea)
          || event_store.event_bytes(v_position, p_stream_id, v_version + 1, p_type, p_schema_version, p_payload, p_metadata, p_occurred_at, v_now, p_key));
        INSERT INTO event_store.events
          (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata,
           occurred_at, recorded_at, idempotency_key, hash)
        VALUES (v_position, pg_current_xact_id(), p_stream_id, v_version + 1, p_type, p_schema_version, p_payload, p_metadata,
                p_occurred_at, v_now, p_key, v_hash);
        UPDATE event_store.streams s SET version = v_version + 1, head_hash = v_hash, updated_at = v_now
         WHERE s.stream_id = p_stream_id;

        "position" := v_position;
        stream_id := p_stream_id;
        stream_version := v_version + 1;
        duplicate := false;
      END $$`;

/** `append`, sixth version: the fifth, its stream's write lock taken first (a call of one event goes to append_one, which takes it). */
export const APPEND_V6 = insertBefore(
  insertBefore(APPEND_V5, '        v_txid xid8;\n', '        v_locked boolean;\n'),
  '        -- 1. the stream lock\n',
  `        -- 0. the stream's write lock, before any row lock (migration 1764300018000)\n        ${takeStreamLock('p_stream_id')}\n\n`,
);

/** append_many, fourth version: the third, its streams' write locks taken first, in key order (each once). */
export const APPEND_MANY_V4 = insertBefore(
  APPEND_MANY_V3,
  '        -- A call with a stored or repeated key:',
  `        -- The streams' write locks, in key order, before any row lock (migration 1764300018000)
        PERFORM ${streamLock('l.sid')}
           FROM (SELECT DISTINCT ON (hashtext(x)) x AS sid FROM unnest(p_stream_ids) x ORDER BY hashtext(x)) l;

`,
);

export class StreamWriteLock1764300018000 implements MigrationInterface {
  name = 'StreamWriteLock1764300018000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(APPEND_ONE_V2);
    await q.query(APPEND_V6);
    await q.query(APPEND_MANY_V4);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(APPEND_MANY_V3);
    await q.query(APPEND_V5);
    await q.query(APPEND_ONE.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  }
}
