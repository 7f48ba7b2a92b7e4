/**
 * The floor's event log: Annals' events table as plainly as possible, with the constraints and
 * indexes that keep what Annals keeps (global position, transaction id for the catch-up order,
 * a unique stream version, a unique idempotency key, the hash; the JSON as sent, `json`, as the
 * log keeps it since migration 1764300027000). The append and end-to-end floors
 * write it; `name` gives a contender a log of its own (an A/B of appends into one table's indexes
 * favours whichever writes at their right edge: decision 0004).
 */
export const floorEventsTable = (name: string) => [
  `CREATE TABLE ${name} (position bigserial PRIMARY KEY, transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(), stream_id text NOT NULL,
     stream_version bigint NOT NULL, event_type text NOT NULL, payload json NOT NULL, metadata json NOT NULL, occurred_at timestamptz,
     recorded_at timestamptz NOT NULL DEFAULT now(), idempotency_key text NOT NULL, hash bytea NOT NULL, UNIQUE (stream_id, stream_version))`,
  `CREATE UNIQUE INDEX ON ${name} (idempotency_key)`,
  `CREATE INDEX ON ${name} (transaction_id, position)`,
];

export const FLOOR_EVENTS_TABLE = floorEventsTable('floor_events');

/** The tables each pipeline writes (created by the benchmark before it starts the process). */
export const PIPELINE_TABLES: Record<'raw' | 'floor', string[]> = {
  raw: [
    `CREATE TABLE raw_events (position bigserial PRIMARY KEY, stream_id text NOT NULL, stream_version bigint NOT NULL, event_type text NOT NULL,
       payload json NOT NULL, metadata json NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version))`,
  ],
  floor: [
    ...FLOOR_EVENTS_TABLE,
    `CREATE TABLE floor_facts (report_id text NOT NULL, position bigint NOT NULL, type text NOT NULL, coalition_id text, country text,
       roles jsonb NOT NULL, retracts text, occurred_at timestamptz NOT NULL, known_at timestamptz NOT NULL, source jsonb NOT NULL, data jsonb NOT NULL)`,
    'CREATE UNIQUE INDEX ON floor_facts (report_id)',
    'CREATE INDEX ON floor_facts (coalition_id, occurred_at) WHERE coalition_id IS NOT NULL',
    'CREATE INDEX ON floor_facts (coalition_id, country, occurred_at) WHERE country IS NOT NULL',
    'CREATE INDEX ON floor_facts (retracts) WHERE retracts IS NOT NULL',
    // a membership partition and the indexes the questions use (read_model.index_version_partitions)
    `CREATE TABLE floor_membership (coalition_id text NOT NULL, country text NOT NULL, valid tstzrange NOT NULL, known tstzrange NOT NULL,
       since timestamptz NOT NULL, roles jsonb NOT NULL)`,
    'CREATE INDEX ON floor_membership USING gist (hashtextextended(coalition_id, 0), valid, known)',
    'CREATE INDEX ON floor_membership (coalition_id, country)',
  ],
};
