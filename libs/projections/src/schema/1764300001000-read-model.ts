import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The coalition read model (docs/decisions/0006-bitemporal-read-model.md).
 *
 * Every table carries the read-model `version` it belongs to: a rebuild writes version n+1
 * next to the live n, and queries read whichever version `versions` marks active, so the
 * switch is one UPDATE (blue/green without DDL at run time).
 */
export class ReadModel1764300001000 implements MigrationInterface {
  name = 'ReadModel1764300001000';

  async up(q: QueryRunner): Promise<void> {
    // btree_gist lets one GiST index hold the equality columns and the two time ranges.
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`CREATE SCHEMA IF NOT EXISTS read_model`);

    await q.query(`
      CREATE TABLE read_model.versions (
        version      integer PRIMARY KEY,
        state        text NOT NULL CHECK (state IN ('building', 'active', 'retired')),
        created_at   timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at   timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX versions_one_active ON read_model.versions (state) WHERE state = 'active'`);
    await q.query(`CREATE UNIQUE INDEX versions_one_building ON read_model.versions (state) WHERE state = 'building'`);
    await q.query(`INSERT INTO read_model.versions (version, state, activated_at) VALUES (1, 'active', now())`);

    // One row per report: what it says, its two times, its source, and whether it was retracted.
    await q.query(`
      CREATE TABLE read_model.facts (
        version      integer NOT NULL,
        report_id    text NOT NULL,
        position     bigint NOT NULL,
        type         text NOT NULL,
        coalition_id text,
        country      text,
        roles        jsonb NOT NULL DEFAULT '[]',
        retracts     text,
        occurred_at  timestamptz NOT NULL,
        known_at     timestamptz NOT NULL,
        recorded_at  timestamptz NOT NULL,
        retracted_at timestamptz,
        retracted_by text,
        source       jsonb NOT NULL,
        data         jsonb NOT NULL,
        PRIMARY KEY (version, report_id)
      )`);
    await q.query(`CREATE INDEX facts_by_coalition ON read_model.facts (version, coalition_id, occurred_at) WHERE coalition_id IS NOT NULL`);
    await q.query(`CREATE INDEX facts_by_pair ON read_model.facts (version, coalition_id, country, occurred_at) WHERE country IS NOT NULL`);
    await q.query(`CREATE INDEX facts_retractions ON read_model.facts (version, retracts) WHERE retracts IS NOT NULL`);

    // Membership: the country is a member, with `roles`, for valid times in `valid` as known at times in `known`.
    await q.query(`
      CREATE TABLE read_model.membership (
        version      integer NOT NULL,
        coalition_id text NOT NULL,
        country      text NOT NULL,
        valid        tstzrange NOT NULL,
        known        tstzrange NOT NULL,
        since        timestamptz NOT NULL,
        roles        jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX membership_at ON read_model.membership USING gist (version, coalition_id, valid, known)`);
    await q.query(`CREATE INDEX membership_of_country ON read_model.membership USING gist (version, country, valid, known)`);
    await q.query(`CREATE INDEX membership_pair ON read_model.membership (version, coalition_id, country)`);

    await q.query(`
      CREATE TABLE read_model.coalitions (
        version        integer NOT NULL,
        coalition_id   text NOT NULL,
        first_position bigint NOT NULL,
        PRIMARY KEY (version, coalition_id)
      )`);

    await q.query(`GRANT USAGE ON SCHEMA read_model TO annals_writer`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA read_model TO annals_writer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA read_model CASCADE`);
  }
}
