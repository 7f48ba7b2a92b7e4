import { floorEventsTable } from './pipeline-tables';

/**
 * The append floor whose chain `verify` could check: the least an append must do to keep what
 * Annals keeps when the hash chain covers the events as the log stores them.
 *
 * The other floor (append.bench.ts' `floorChain`) hashes its rows as its writer printed them, in
 * Node: bytes of its own, which no check inside PostgreSQL recomputes, made by whichever writer
 * connects. Bytes that PostgreSQL can check are printed from the stored values, in PostgreSQL,
 * where Annals makes them (decision 0004). So this
 * floor is one call of a small PL/pgSQL function: the head read by the unique (stream, version)
 * index, a loop making each event's position, canonical bytes (Annals' own `event_bytes`, the
 * cheapest form measured) and sha256 link, one INSERT. The unique (stream, version) alone enforces
 * the expected version, and it needs no lock: of two writers chaining onto the same head, the
 * second's INSERT fails. It leaves out what Annals adds: the stream table and its lock, positions
 * taken by winners only, duplicate answers with their original place, the answer, the
 * checks of every argument.
 */
export const FLOOR_CHAINED_TABLE = 'floor_chained_events';

export const FLOOR_CHAINED_DDL = [
  ...floorEventsTable(FLOOR_CHAINED_TABLE),
  `CREATE FUNCTION floor_chained_append(p_stream_id text, p_first_version bigint, p_types text[], p_payloads json, p_metadata json,
       p_occurred_at timestamptz[], p_keys text[]) RETURNS void LANGUAGE plpgsql AS $$
     DECLARE
       v_payloads json[] := ARRAY(SELECT x.v FROM json_array_elements(p_payloads) WITH ORDINALITY AS x(v, i) ORDER BY x.i);
       v_metadata json[] := ARRAY(SELECT x.v FROM json_array_elements(p_metadata) WITH ORDINALITY AS x(v, i) ORDER BY x.i);
       v_now timestamptz := now();
       v_hash bytea := ''::bytea;
       v_positions bigint[] := '{}';
       v_hashes bytea[] := '{}';
     BEGIN
       IF p_first_version > 1 THEN
         -- STRICT: no previous event means a wrong expected version
         SELECT e.hash INTO STRICT v_hash FROM ${FLOOR_CHAINED_TABLE} e
          WHERE e.stream_id = p_stream_id AND e.stream_version = p_first_version - 1;
       END IF;
       FOR k IN 1 .. cardinality(p_types) LOOP
         v_positions[k] := nextval('${FLOOR_CHAINED_TABLE}_position_seq');
         v_hash := sha256(v_hash || event_store.event_bytes(v_positions[k], p_stream_id, p_first_version + k - 1, p_types[k], 1,
                                                            v_payloads[k], v_metadata[k], p_occurred_at[k], v_now, p_keys[k]));
         v_hashes[k] := v_hash;
       END LOOP;
       INSERT INTO ${FLOOR_CHAINED_TABLE} (position, stream_id, stream_version, event_type, payload, metadata, occurred_at, recorded_at, idempotency_key, hash)
       SELECT u.p, p_stream_id, p_first_version + u.i - 1, u.t, u.pl, u.m, u.o, v_now, u.k, u.h
         FROM unnest(v_positions, p_types, v_payloads, v_metadata, p_occurred_at, p_keys, v_hashes) WITH ORDINALITY AS u(p, t, pl, m, o, k, h, i);
     END $$`,
];

/** The floor's call, named (prepared once per connection, as Annals' calls are). */
export const FLOOR_CHAINED_APPEND = {
  name: 'floor_chained_append',
  text: 'SELECT floor_chained_append($1, $2, $3::text[], $4::json, $5::json, $6::timestamptz[], $7::text[])',
};

/**
 * The chains of the first `$1` streams of the floor's log recomputed from what it stores, as
 * `verify` would: the events checked and those whose hash does not follow (none: the chains
 * hold). The benchmark checks them after its trials, so that a floor which stopped making a
 * chain that can be checked would not pass for one.
 */
export const FLOOR_CHAINED_BROKEN_LINKS = `
  WITH RECURSIVE chain AS (
    SELECT e.stream_id, e.stream_version, e.hash,
           sha256(''::bytea || event_store.event_bytes(e.position, e.stream_id, e.stream_version, e.event_type, 1, e.payload, e.metadata,
                                                         e.occurred_at, e.recorded_at, e.idempotency_key)) AS expected
      FROM ${FLOOR_CHAINED_TABLE} e
     WHERE e.stream_version = 1 AND e.stream_id IN (SELECT f.stream_id FROM ${FLOOR_CHAINED_TABLE} f WHERE f.stream_version = 1 LIMIT $1)
    UNION ALL
    SELECT e.stream_id, e.stream_version, e.hash,
           sha256(c.hash || event_store.event_bytes(e.position, e.stream_id, e.stream_version, e.event_type, 1, e.payload, e.metadata,
                                                    e.occurred_at, e.recorded_at, e.idempotency_key))
      FROM chain c JOIN ${FLOOR_CHAINED_TABLE} e ON e.stream_id = c.stream_id AND e.stream_version = c.stream_version + 1
  )
  SELECT count(*)::int AS checked, count(*) FILTER (WHERE hash <> expected)::int AS broken FROM chain`;
