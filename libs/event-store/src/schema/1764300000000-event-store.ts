import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event store's schema and its contract as SQL functions (after Message DB):
 * append, read_all and verify live here, next to the tables they guard, so that
 * the rules of the store are enforced by PostgreSQL whoever connects.
 *
 * Design notes: docs/decisions/0003-global-order.md (transaction-id watermark),
 * docs/decisions/0004-append-function.md (version check before any sequence number,
 * idempotency, hash chain).
 */
/**
 * The first definition of event_store.event_bytes (after `CREATE ` or `CREATE OR REPLACE `): the
 * canonical bytes as jsonb prints the array of an event's fields. Later migrations restore it on `down`.
 */
export const EVENT_BYTES_V1 = `FUNCTION event_store.event_bytes(
        p_position bigint, p_stream_id text, p_stream_version bigint, p_event_type text,
        p_schema_version integer, p_payload jsonb, p_metadata jsonb, p_occurred_at timestamptz,
        p_recorded_at timestamptz, p_idempotency_key text
      ) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT convert_to(jsonb_build_array(
          p_position, p_stream_id, p_stream_version, p_event_type, p_schema_version, p_payload, p_metadata,
          (extract(epoch FROM p_occurred_at) * 1000000)::bigint,
          (extract(epoch FROM p_recorded_at) * 1000000)::bigint,
          p_idempotency_key)::text, 'UTF8')
      $$`;

/** event_store.event_hash: an event's link in its stream's chain (the only version before migration 1764300027000, which restores it on `down`). */
export const EVENT_HASH_V1 = `
      CREATE FUNCTION event_store.event_hash(
        p_previous bytea, p_position bigint, p_stream_id text, p_stream_version bigint, p_event_type text,
        p_schema_version integer, p_payload jsonb, p_metadata jsonb, p_occurred_at timestamptz,
        p_recorded_at timestamptz, p_idempotency_key text
      ) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT sha256(coalesce(p_previous, ''::bytea) || event_store.event_bytes(p_position, p_stream_id, p_stream_version,
          p_event_type, p_schema_version, p_payload, p_metadata, p_occurred_at, p_recorded_at, p_idempotency_key))
      $$`;

/** The first version of event_store.append (its steps are described above `up`'s call); later migrations restore it on `down`. */
export const APPEND_V1 = `
      CREATE FUNCTION event_store.append(
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
        v_version bigint;
        v_hash bytea;
        v_now timestamptz := now();
        v_txid xid8;
        i integer;
        k integer := 0;
        -- per input event: its place (the stored original for a duplicate)
        o_pos bigint[];
        o_stream text[];
        o_ver bigint[];
        same_as integer[];
        new_count integer;
        ins_idx integer[];
        ins_pos bigint[];
        ins_ver bigint[];
        ins_hash bytea[];
        ins_bytes bytea[];
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

        -- 1. the stream lock
        SELECT s.version, s.head_hash INTO v_version, v_hash
          FROM event_store.streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
        v_found := FOUND;

        -- 2. idempotency, set-based: each event's stored original, and the first of its key in this call
        IF EXISTS (SELECT 1 FROM unnest(p_keys) k WHERE k IS NOT NULL) THEN
          -- (arrays are read with unnest, never subscripted in SQL: a subscript of a variable-width
          -- array walks it from the start, which would make a large append quadratic)
          SELECT array_agg(e.position ORDER BY f.i), array_agg(e.stream_id ORDER BY f.i), array_agg(e.stream_version ORDER BY f.i),
                 array_agg(CASE WHEN f.key IS NOT NULL AND f.first < f.i THEN f.first END ORDER BY f.i)
            INTO o_pos, o_stream, o_ver, same_as
            FROM (SELECT k.i, k.key, min(k.i) OVER (PARTITION BY k.key) AS first
                    FROM unnest(p_keys) WITH ORDINALITY AS k(key, i)) f
            LEFT JOIN event_store.events e ON e.idempotency_key = f.key;
        ELSE
          o_pos := array_fill(NULL::bigint, ARRAY[n]);
          o_stream := array_fill(NULL::text, ARRAY[n]);
          o_ver := array_fill(NULL::bigint, ARRAY[n]);
          same_as := array_fill(NULL::integer, ARRAY[n]);
        END IF;
        -- new: neither stored before nor a repeat of an earlier event of this call (whose original, if stored, counts)
        FOR i IN 1..n LOOP
          IF same_as[i] IS NOT NULL AND o_pos[same_as[i]] IS NOT NULL THEN
            o_pos[i] := o_pos[same_as[i]]; o_stream[i] := o_stream[same_as[i]]; o_ver[i] := o_ver[same_as[i]]; same_as[i] := NULL;
          END IF;
        END LOOP;
        SELECT array_agg(x.i ORDER BY x.i) INTO ins_idx
          FROM unnest(o_pos, same_as) WITH ORDINALITY AS x(pos, same, i) WHERE x.pos IS NULL AND x.same IS NULL;
        new_count := coalesce(cardinality(ins_idx), 0);

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

          -- 4. positions and canonical bytes in one statement each; then the chain, link by link
          v_txid := pg_current_xact_id();
          SELECT array_agg(nextval('event_store.positions') ORDER BY x.ord), array_agg(v_version + x.ord ORDER BY x.ord)
            INTO ins_pos, ins_ver
            FROM generate_series(1, new_count) AS x(ord);
          SELECT array_agg(event_store.event_bytes(x.pos, p_stream_id, x.ver, a.type, a.sv, a.payload, a.metadata, a.occurred, v_now, a.key) ORDER BY x.ord)
            INTO ins_bytes
            FROM unnest(ins_idx, ins_pos, ins_ver) WITH ORDINALITY AS x(idx, pos, ver, ord)
            JOIN unnest(p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys) WITH ORDINALITY
                 AS a(type, sv, payload, metadata, occurred, key, i) ON a.i = x.idx;
          ins_hash := array_fill(NULL::bytea, ARRAY[new_count]);
          FOR k IN 1..new_count LOOP
            v_hash := sha256(coalesce(v_hash, ''::bytea) || ins_bytes[k]);
            ins_hash[k] := v_hash;
            o_pos[ins_idx[k]] := ins_pos[k];
            o_ver[ins_idx[k]] := ins_ver[k];
            o_stream[ins_idx[k]] := p_stream_id;
          END LOOP;
          v_version := v_version + new_count;

          INSERT INTO event_store.events
            (position, transaction_id, stream_id, stream_version, event_type, schema_version, payload, metadata,
             occurred_at, recorded_at, idempotency_key, hash)
          SELECT x.pos, v_txid, p_stream_id, x.ver, a.type, a.sv, a.payload, a.metadata, a.occurred, v_now, a.key, x.hash
            FROM unnest(ins_idx, ins_pos, ins_ver, ins_hash) AS x(idx, pos, ver, hash)
            JOIN unnest(p_types, p_schema_versions, p_payloads, p_metadata, p_occurred_at, p_keys) WITH ORDINALITY
                 AS a(type, sv, payload, metadata, occurred, key, i) ON a.i = x.idx;

          -- 5. the new head. Subscribers are woken by the writer (PostgresEventStore), not by a NOTIFY
          -- here: a NOTIFY in every append would serialize the commits of all writers.
          UPDATE event_store.streams s SET version = v_version, head_hash = v_hash, updated_at = v_now
           WHERE s.stream_id = p_stream_id;
        END IF;

        FOR i IN 1..n LOOP
          IF same_as[i] IS NOT NULL THEN
            o_pos[i] := o_pos[same_as[i]]; o_ver[i] := o_ver[same_as[i]]; o_stream[i] := o_stream[same_as[i]];
          END IF;
        END LOOP;
        RETURN QUERY SELECT r.key, r.pos, r.sid, r.ver, NOT coalesce(r.i = ANY(ins_idx), false)
                       FROM unnest(p_keys, o_pos, o_stream, o_ver) WITH ORDINALITY AS r(key, pos, sid, ver, i);
      END $$`;

export class EventStore1764300000000 implements MigrationInterface {
  name = 'EventStore1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS event_store`);

    // The role the applications use is given these privileges through a group role,
    // so that deployments name their own login roles (see docs/operations.md).
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'annals_writer') THEN
          CREATE ROLE annals_writer NOLOGIN;
        END IF;
      END $$`);

    await q.query(`
      CREATE TABLE event_store.streams (
        stream_id   text PRIMARY KEY CHECK (stream_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$'),
        stream_type text NOT NULL CHECK (length(stream_type) BETWEEN 1 AND 100),
        version     bigint NOT NULL CHECK (version >= 0),
        head_hash   bytea,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`CREATE SEQUENCE event_store.positions AS bigint`);

    await q.query(`
      CREATE TABLE event_store.events (
        position        bigint PRIMARY KEY,
        transaction_id  xid8 NOT NULL,
        stream_id       text NOT NULL,
        stream_version  bigint NOT NULL CHECK (stream_version >= 1),
        event_type      text NOT NULL CHECK (length(event_type) BETWEEN 1 AND 200),
        schema_version  integer NOT NULL CHECK (schema_version >= 1),
        payload         jsonb NOT NULL,
        metadata        jsonb NOT NULL,
        occurred_at     timestamptz,
        recorded_at     timestamptz NOT NULL,
        idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 256),
        hash            bytea NOT NULL,
        CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
      )`);
    // Catch-up readers walk (transaction_id, position): see read_all below.
    await q.query(`CREATE INDEX events_global_order ON event_store.events (transaction_id, position)`);
    await q.query(`CREATE UNIQUE INDEX events_idempotency_key ON event_store.events (idempotency_key) WHERE idempotency_key IS NOT NULL`);

    await q.query(`
      CREATE TABLE event_store.checkpoints (
        subscription_id text PRIMARY KEY,
        transaction_id  xid8 NOT NULL DEFAULT '0'::xid8,
        position        bigint NOT NULL DEFAULT 0,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);

    // Immutability by the database itself: no role, not even the owner, changes a stored event
    // while these triggers are enabled; disabling them takes a superuser, and verify() finds the change.
    await q.query(`
      CREATE FUNCTION event_store.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'event_store.events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'AE003', HINT = 'events are facts; append a correcting event instead';
      END $$`);
    await q.query(`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON event_store.events FOR EACH ROW EXECUTE FUNCTION event_store.reject_change()`);
    await q.query(`CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON event_store.events FOR EACH STATEMENT EXECUTE FUNCTION event_store.reject_change()`);

    // The canonical bytes of an event and its link in the stream's hash chain. A JSON array is
    // unambiguous (no separator can be forged inside a field) and independent of session settings:
    // jsonb prints numbers and keys the same way everywhere; times go in as epoch microseconds.
    await q.query(`CREATE ${EVENT_BYTES_V1}`);
    await q.query(EVENT_HASH_V1);

    /*
     * append: one call, one transaction, one round trip.
     *  1. lock the stream row;
     *  2. set aside events whose idempotency key is stored already: they answer with their
     *     original place, and when nothing new is left the call succeeds without writing;
     *  3. create the stream row when new, and check the expected version -- before any number
     *     is taken from the sequence, so a losing writer leaves no gap;
     *  4. number, hash and insert the new events in one INSERT from arrays;
     *  5. move the stream head and wake the subscribers (NOTIFY is delivered at commit).
     * p_expected_version: n >= 0 exact (0 = the stream has no events), -1 any, -2 the stream exists.
     * Two writers racing with the same new key into different streams: the loser gets a
     * unique violation on events_idempotency_key and retries; step 2 then finds the key.
     */
    await q.query(APPEND_V1);

    /*
     * read_all: the next events for a catch-up reader after checkpoint (transaction_id, position).
     * Only transactions older than the oldest one still running are read, so an event committed
     * later with a smaller position is never skipped: it is read when its writer has finished.
     */
    await q.query(`
      CREATE FUNCTION event_store.read_all(p_transaction_id xid8, p_position bigint, p_limit integer)
      RETURNS SETOF event_store.events LANGUAGE sql STABLE AS $$
        SELECT e.*
          FROM event_store.events e
         WHERE (e.transaction_id, e.position) > (p_transaction_id, p_position)
           AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY e.transaction_id, e.position
         LIMIT p_limit
      $$`);

    /*
     * verify: every event's hash recomputed from its predecessor in the stream, every stream
     * version present, every stream head equal to its last event. Returns the problems in
     * global position order; the first row is the first broken link.
     */
    await q.query(`
      CREATE FUNCTION event_store.verify()
      RETURNS TABLE ("position" bigint, stream_id text, stream_version bigint, problem text)
      LANGUAGE sql STABLE AS $$
        WITH chain AS (
          SELECT e.position, e.stream_id, e.stream_version, e.hash,
                 lag(e.hash) OVER w AS previous_hash,
                 lag(e.stream_version) OVER w AS previous_version,
                 event_store.event_hash(lag(e.hash) OVER w, e.position, e.stream_id, e.stream_version, e.event_type,
                   e.schema_version, e.payload, e.metadata, e.occurred_at, e.recorded_at, e.idempotency_key) AS expected
            FROM event_store.events e
          WINDOW w AS (PARTITION BY e.stream_id ORDER BY e.stream_version)
        ), problems AS (
          SELECT c.position, c.stream_id, c.stream_version,
                 CASE
                   WHEN c.stream_version <> coalesce(c.previous_version, 0) + 1
                     THEN format('stream version %s follows %s: an event is missing', c.stream_version, coalesce(c.previous_version, 0))
                   ELSE 'hash mismatch: the event or its predecessor was changed'
                 END AS problem
            FROM chain c
           WHERE c.hash <> c.expected OR c.stream_version <> coalesce(c.previous_version, 0) + 1
          UNION ALL
          SELECT e.position, e.stream_id, e.stream_version, 'the event''s stream has no stream row'
            FROM event_store.events e
           WHERE NOT EXISTS (SELECT 1 FROM event_store.streams s WHERE s.stream_id = e.stream_id)
          UNION ALL
          SELECT last.position, s.stream_id, s.version,
                 format('stream head says version %s, the last stored event is %s', s.version, coalesce(last.stream_version, 0))
            FROM event_store.streams s
            LEFT JOIN LATERAL (
              SELECT e.position, e.stream_version, e.hash FROM event_store.events e
               WHERE e.stream_id = s.stream_id ORDER BY e.stream_version DESC LIMIT 1
            ) last ON true
           WHERE s.version <> coalesce(last.stream_version, 0)
              OR s.head_hash IS DISTINCT FROM last.hash
        )
        SELECT * FROM problems ORDER BY problems.position NULLS LAST, problems.stream_id
      $$`);

    /*
     * Who holds catch-up readers back: sessions whose transaction id is at or below the
     * horizon (pg_snapshot_xmin), oldest first. Prepared transactions count too.
     */
    await q.query(`
      CREATE FUNCTION event_store.horizon_holders()
      RETURNS TABLE (pid integer, database text, usename text, application_name text, state text,
                     transaction_started timestamptz, held_for interval, query text)
      LANGUAGE sql STABLE AS $$
        SELECT a.pid, a.datname::text, a.usename::text, a.application_name, a.state, a.xact_start,
               now() - a.xact_start, left(a.query, 200)
          FROM pg_stat_activity a
         WHERE a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
        UNION ALL
        SELECT NULL, p.database::text, p.owner::text, 'prepared transaction ' || p.gid, 'prepared', p.prepared,
               now() - p.prepared, NULL
          FROM pg_prepared_xacts p
         ORDER BY 6
      $$`);

    // The apps may check that the schema is current (libs/database pendingMigrations).
    await q.query(`GRANT SELECT ON schema_migrations TO annals_writer`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA event_store FROM PUBLIC`);
    await q.query(`GRANT USAGE ON SCHEMA event_store TO annals_writer`);
    await q.query(`GRANT SELECT, INSERT ON event_store.events TO annals_writer`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON event_store.streams TO annals_writer`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON event_store.checkpoints TO annals_writer`);
    await q.query(`GRANT USAGE ON SEQUENCE event_store.positions TO annals_writer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA event_store CASCADE`);
  }
}
