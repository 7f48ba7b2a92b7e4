import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The first form: a counted repetition, which PostgreSQL's regex engine expands into 199 states. */
const COUNTED = `stream_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$'`;
/** The same rule: the class holds ASCII characters only, so the length in characters is the count. */
const BOUNDED = `length(stream_id) <= 200 AND stream_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@-]*$'`;

/**
 * The stream id rule on event_store.streams, written so that checking it is cheap. PostgreSQL
 * checks a row's CHECK constraints on every UPDATE, and every append moves its stream's head: with
 * the counted repetition each check took about 15 us (an append_many of 300 events over 160
 * streams spent 2.9 ms of its 11.6 ms in the head UPDATE, 0.86 ms with the form below; measured in
 * docs/decisions/0004-append-function.md). A `*` with a separate length test accepts exactly the
 * same ids. Added NOT VALID, then validated: the validation scans the table without blocking
 * writers.
 */
export class StreamIdCheck1764300008000 implements MigrationInterface {
  name = 'StreamIdCheck1764300008000';

  async up(q: QueryRunner): Promise<void> {
    await replaceCheck(q, BOUNDED);
  }

  async down(q: QueryRunner): Promise<void> {
    await replaceCheck(q, COUNTED);
  }
}

async function replaceCheck(q: QueryRunner, rule: string): Promise<void> {
  await q.query(`ALTER TABLE event_store.streams DROP CONSTRAINT streams_stream_id_check`);
  await q.query(`ALTER TABLE event_store.streams ADD CONSTRAINT streams_stream_id_check CHECK (${rule}) NOT VALID`);
  await q.query(`ALTER TABLE event_store.streams VALIDATE CONSTRAINT streams_stream_id_check`);
}
