import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One rule of the log's columns: the table CHECK it was, the domain it becomes. */
interface ColumnRule {
  table: 'events' | 'streams';
  column: string;
  baseType: string;
  domain: string;
  /** The rule over VALUE (the domain's form). */
  rule: string;
  /** The table constraint it replaces, and that constraint's rule over the column. */
  tableCheck: string;
  tableRule: string;
}

const RULES: ColumnRule[] = [
  {
    table: 'streams', column: 'stream_id', baseType: 'text', domain: 'stream_identifier',
    // the class holds ASCII characters only, so the length in characters is the count (1764300008000)
    rule: `length(VALUE) <= 200 AND VALUE ~ '^[A-Za-z0-9][A-Za-z0-9._:@-]*$'`,
    tableCheck: 'streams_stream_id_check', tableRule: `length(stream_id) <= 200 AND stream_id ~ '^[A-Za-z0-9][A-Za-z0-9._:@-]*$'`,
  },
  {
    table: 'streams', column: 'stream_type', baseType: 'text', domain: 'stream_type_name',
    rule: 'length(VALUE) BETWEEN 1 AND 100',
    tableCheck: 'streams_stream_type_check', tableRule: 'length(stream_type) BETWEEN 1 AND 100',
  },
  {
    table: 'events', column: 'event_type', baseType: 'text', domain: 'event_type_name',
    rule: 'length(VALUE) BETWEEN 1 AND 200',
    tableCheck: 'events_event_type_check', tableRule: 'length(event_type) BETWEEN 1 AND 200',
  },
  {
    table: 'events', column: 'schema_version', baseType: 'integer', domain: 'schema_version_number',
    rule: 'VALUE >= 1',
    tableCheck: 'events_schema_version_check', tableRule: 'schema_version >= 1',
  },
  {
    table: 'events', column: 'stream_version', baseType: 'bigint', domain: 'stream_version_number',
    rule: 'VALUE >= 1',
    tableCheck: 'events_stream_version_check', tableRule: 'stream_version >= 1',
  },
];

/**
 * The rules of the log's columns (the stream id's form, the lengths of names, versions from 1)
 * become domains: the same rules, enforced by PostgreSQL for whoever writes, but checked
 * where a value is written to the column, not on every row the statement touches as a whole.
 *
 * Why: PostgreSQL checks every table CHECK of a row on every INSERT and UPDATE, and before the
 * first row of each statement it parses each constraint from its stored text and prepares it
 * (ExecRelCheck: `stringToNode`, then `ExecPrepareExpr`). Every append runs one INSERT into the
 * events (four CHECKs) and one UPDATE of its stream's head (which re-checked the stream id and
 * type rules, although the head update never changes them). A domain's constraints are parsed
 * once per session (the type cache), and an UPDATE that does not set the column does not check
 * them. Measured (pg_stat_statements, 3,000 appends of one event, one writer, 3 rounds
 * interleaved): the INSERT 35-38 against 28 us, the head UPDATE 21-23 against 11-12 us, the whole
 * call 0.152-0.161 against 0.133-0.136 ms (docs/decisions/0004-append-function.md). Dropping the
 * checks altogether measured the same as domains: what they cost was the per-statement
 * preparation, not the rules.
 *
 * How, without rewriting the log: a column changed to a domain with constraints is rewritten, to
 * a domain without any is not (the same bytes, the indexes kept). So each domain is created
 * empty, the columns take it, and its rule is then added NOT VALID and validated, which reads the
 * table once without blocking writers for longer than the scan. The table CHECKs go last, in the
 * same transaction. The idempotency key keeps its table CHECK: its unique index is partial
 * (`WHERE idempotency_key IS NOT NULL`), and a predicate naming a column whose type changes makes
 * PostgreSQL rebuild the index, which on a large log would hold an exclusive lock for minutes
 * (column-rules.spec.ts compares the files of the tables and indexes before and after).
 * `stream_version >= 1` and the others refuse exactly what they refused: a value of a domain is
 * checked when it is written to such a column, by INSERT or by an UPDATE that sets it.
 * `streams.version >= 0` stays a table CHECK: every head update sets it anyway.
 *
 * Clients see the base types (PostgreSQL describes a domain's column by its base type).
 */
export class RulesAsDomains1764300012000 implements MigrationInterface {
  name = 'RulesAsDomains1764300012000';

  async up(q: QueryRunner): Promise<void> {
    for (const r of RULES) {
      await q.query(`CREATE DOMAIN event_store.${r.domain} AS ${r.baseType}`);
      await q.query(`ALTER TABLE event_store.${r.table} ALTER COLUMN ${r.column} TYPE event_store.${r.domain}`);
      await q.query(`ALTER DOMAIN event_store.${r.domain} ADD CONSTRAINT ${r.domain}_check CHECK (${r.rule}) NOT VALID`);
      await q.query(`ALTER DOMAIN event_store.${r.domain} VALIDATE CONSTRAINT ${r.domain}_check`);
      await q.query(`ALTER TABLE event_store.${r.table} DROP CONSTRAINT ${r.tableCheck}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const r of [...RULES].reverse()) {
      await q.query(`ALTER TABLE event_store.${r.table} ADD CONSTRAINT ${r.tableCheck} CHECK (${r.tableRule}) NOT VALID`);
      await q.query(`ALTER TABLE event_store.${r.table} VALIDATE CONSTRAINT ${r.tableCheck}`);
      await q.query(`ALTER TABLE event_store.${r.table} ALTER COLUMN ${r.column} TYPE ${r.baseType}`);
      await q.query(`DROP DOMAIN event_store.${r.domain}`);
    }
  }
}
