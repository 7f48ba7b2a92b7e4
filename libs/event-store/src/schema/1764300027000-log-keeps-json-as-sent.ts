import type { MigrationInterface, QueryRunner } from 'typeorm';
import { EVENT_HASH_V1 } from './1764300000000-event-store';
import { EVENT_BYTES_V2 } from './1764300009000-canonical-bytes-printed-once';
import { APPEND_MANY_V6, APPEND_ONE_V3 } from './1764300025000-stream-row-with-its-head';
import { APPEND_MANY_PER_STREAM_V2, APPEND_SIGNATURE, APPEND_V9 } from './1764300026000-append-answer-in-one-row';

/**
 * The log keeps each event's payload and metadata as they were sent: `json`, the text itself,
 * where `jsonb` kept a parsed form and printed it again (keys ordered by length, spacing
 * dropped). The chain covers that text: `event_bytes` joins it as it is stored.
 *
 * Why: every event an append writes was parsed into jsonb (about 1.3 us for 512 bytes) and, for
 * its link of the chain, printed back to text (about 1.9 us); `json` only checks the syntax
 * (0.4 us) and its text is the stored value. Measured (scratch, one writer, interleaved blocks):
 * 1.165x the jsonb append at 100 events per call, 1.04x at 10
 * (docs/decisions/0022-log-keeps-json-as-sent.md).
 *
 * Events stored before keep their chain: the column is converted from jsonb's printed text,
 * which is what their links hashed. What jsonb refused and json takes (the escape \u0000, an
 * unpaired surrogate) the store refuses before it sends anything (PostgresEventStore), so that
 * the log still holds only what every reader can turn into text.
 *
 * The functions that take the JSON change their signatures, which CREATE OR REPLACE cannot do:
 * they are dropped and created again, in the migration's transaction, and the table is rewritten
 * (every index too), holding its lock until the migration commits (docs/operations.md).
 */

/** A function's text or signature as it takes json where it took jsonb (no body names either type). */
const withJson = (text: string) => text.replace(/\bjsonb\b/g, 'json');

/** The functions that take the payload and metadata (dropped in reverse order; the calls between them are resolved when they run, so the order is free). */
const JSONB_FUNCTIONS = [
  { signature: 'event_store.event_bytes(bigint, text, bigint, text, integer, jsonb, jsonb, timestamptz, timestamptz, text)', text: EVENT_BYTES_V2 },
  { signature: 'event_store.event_hash(bytea, bigint, text, bigint, text, integer, jsonb, jsonb, timestamptz, timestamptz, text)', text: EVENT_HASH_V1 },
  { signature: 'event_store.append_one(text, text, bigint, text, integer, jsonb, jsonb, timestamptz, text)', text: APPEND_ONE_V3 },
  { signature: APPEND_SIGNATURE, text: APPEND_V9 },
  { signature: 'event_store.append_many(text[], text[], bigint[], integer[], text[], integer[], jsonb[], jsonb[], timestamptz[], text[])', text: APPEND_MANY_V6 },
  {
    signature: 'event_store.append_many_per_stream(text[], text[], bigint[], integer[], text[], integer[], jsonb[], jsonb[], timestamptz[], text[])',
    text: APPEND_MANY_PER_STREAM_V2,
  },
];

/** The same functions as they take json (their signatures, to drop them by, and their texts). */
const JSON_FUNCTIONS = JSONB_FUNCTIONS.map((f) => ({ signature: withJson(f.signature), text: withJson(f.text) }));

/** `append`'s signature since this migration (its arguments name it). */
export const JSON_APPEND_SIGNATURE = withJson(APPEND_SIGNATURE);

/**
 * The events whose payload or metadata jsonb would print otherwise than it is stored: their
 * links hashed the text as sent, which a jsonb column could not give back.
 */
const KEPT_AS_SENT_SQL = `SELECT count(*)::bigint AS n FROM event_store.events
   WHERE payload::text <> payload::jsonb::text OR metadata::text <> metadata::jsonb::text`;

async function recreate(q: QueryRunner, drop: ReadonlyArray<{ signature: string }>, create: ReadonlyArray<{ text: string }>, columnType: string): Promise<void> {
  for (const f of [...drop].reverse()) await q.query(`DROP FUNCTION ${f.signature}`);
  await q.query(`ALTER TABLE event_store.events
    ALTER COLUMN payload TYPE ${columnType} USING payload::${columnType},
    ALTER COLUMN metadata TYPE ${columnType} USING metadata::${columnType}`);
  for (const f of create) await q.query(f.text);
}

export class LogKeepsJsonAsSent1764300027000 implements MigrationInterface {
  name = 'LogKeepsJsonAsSent1764300027000';

  async up(q: QueryRunner): Promise<void> {
    await recreate(q, JSONB_FUNCTIONS, JSON_FUNCTIONS, 'json');
  }

  /**
   * Back to jsonb, only while no stored event depends on its text as sent: for any other, jsonb
   * would keep a different text than its link hashed, and `verify` would report the log altered.
   */
  async down(q: QueryRunner): Promise<void> {
    const [{ n }] = (await q.query(KEPT_AS_SENT_SQL)) as Array<{ n: string }>;
    if (Number(n) > 0) {
      throw new Error(
        `LogKeepsJsonAsSent1764300027000 cannot be undone: ${n} stored events keep a payload or metadata that jsonb would print ` +
          'otherwise (key order, spacing, escapes), and their hash chain covers the text as stored; as jsonb their chains would no longer verify',
      );
    }
    await recreate(q, JSON_FUNCTIONS, JSONB_FUNCTIONS, 'jsonb');
  }
}
