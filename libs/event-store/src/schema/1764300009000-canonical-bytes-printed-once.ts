import type { MigrationInterface, QueryRunner } from 'typeorm';
import { EVENT_BYTES_V1 } from './1764300000000-event-store';

/** The second version (migration 1764300027000 restores it on `down`). */
export const EVENT_BYTES_V2 = `
      CREATE OR REPLACE FUNCTION event_store.event_bytes(
        p_position bigint, p_stream_id text, p_stream_version bigint, p_event_type text,
        p_schema_version integer, p_payload jsonb, p_metadata jsonb, p_occurred_at timestamptz,
        p_recorded_at timestamptz, p_idempotency_key text
      ) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT convert_to('[' || coalesce(p_position::text, 'null')
          || ', ' || coalesce(to_json(p_stream_id)::text, 'null')
          || ', ' || coalesce(p_stream_version::text, 'null')
          || ', ' || coalesce(to_json(p_event_type)::text, 'null')
          || ', ' || coalesce(p_schema_version::text, 'null')
          || ', ' || coalesce(p_payload::text, 'null')
          || ', ' || coalesce(p_metadata::text, 'null')
          || ', ' || coalesce(((extract(epoch FROM p_occurred_at) * 1000000)::bigint)::text, 'null')
          || ', ' || coalesce(((extract(epoch FROM p_recorded_at) * 1000000)::bigint)::text, 'null')
          || ', ' || coalesce(to_json(p_idempotency_key)::text, 'null')
          || ']', 'UTF8')
      $$`;

/**
 * event_store.event_bytes, second version: the same bytes, printed once. The first version built
 * a jsonb array of the event's fields and printed it: jsonb_build_array walks the payload and the
 * metadata into a new jsonb value, which is then written and printed again, three passes over the
 * largest fields. This version prints each field as jsonb prints it inside an array (the payload
 * and metadata with jsonb's own output, strings with to_json's escaping, numbers as digits, null
 * as `null`) and joins them with the array's `, `: the bytes are identical, which
 * `tests/integration/event-store/canonical-bytes.spec.ts` checks against the first version's
 * expression over hostile values, so `verify` holds for every event stored before.
 * Measured over 7,200 stored events: 7.4 us per event before, 3.8 us after (payload::text alone
 * is 2.8 us). Every append and append_many builds these bytes for each event it writes.
 */
export class CanonicalBytesPrintedOnce1764300009000 implements MigrationInterface {
  name = 'CanonicalBytesPrintedOnce1764300009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(EVENT_BYTES_V2);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE ${EVENT_BYTES_V1}`);
  }
}
