import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A version's partitions, created empty. This is the first version: 1764300010000-payload-statistics
 * replaces it and restores it on the way down.
 */
export const CREATE_VERSION_PARTITIONS_V1 = `
      CREATE FUNCTION read_model.create_version_partitions(v integer) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = read_model, pg_temp AS $$
      DECLARE t text;
      BEGIN
        FOREACH t IN ARRAY ARRAY['facts', 'membership', 'coalitions'] LOOP
          EXECUTE format('CREATE TABLE IF NOT EXISTS read_model.%I PARTITION OF read_model.%I FOR VALUES IN (%s)', t || '_v' || v, t, v);
          EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON read_model.%I TO annals_writer', t || '_v' || v);
        END LOOP;
      END $$`;

/**
 * Drops a retired version's partitions. This is the first version: 1764300019000-partition-locks-first
 * replaces it and restores it on the way down.
 */
export const DROP_VERSION_PARTITIONS_V1 = `
      CREATE FUNCTION read_model.drop_version_partitions(v integer) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = read_model, pg_temp AS $$
      DECLARE t text;
      BEGIN
        IF EXISTS (SELECT 1 FROM read_model.versions WHERE version = v AND state <> 'retired') THEN
          RAISE EXCEPTION 'read-model version % is not retired: its partitions stay', v USING ERRCODE = 'AE004';
        END IF;
        FOREACH t IN ARRAY ARRAY['facts', 'membership', 'coalitions'] LOOP
          EXECUTE format('DROP TABLE IF EXISTS read_model.%I', t || '_v' || v);
        END LOOP;
      END $$`;

/**
 * Statistics for a version's growing partitions, at once. This is the first version:
 * 1764300016000-coarse-statistics-refresh replaces it and restores it on the way down.
 */
export const ANALYZE_VERSION_PARTITIONS_V1 = `
      CREATE FUNCTION read_model.analyze_version_partitions(v integer) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = read_model, pg_temp AS $$
      BEGIN
        EXECUTE format('ANALYZE read_model.%I, read_model.%I', 'facts_v' || v, 'membership_v' || v);
      END $$`;

/**
 * Indexes a version's partitions. Within a partition the version is constant, so it is in no
 * index. A rebuild indexes facts first (the membership is computed from them) and membership
 * after it is computed. This is the first version: 1764300004000-formed-index replaces it and
 * restores it on the way down.
 */
export const INDEX_VERSION_PARTITIONS_V1 = `
      CREATE FUNCTION read_model.index_version_partitions(v integer, tables text[] DEFAULT ARRAY['facts', 'membership', 'coalitions']) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = read_model, pg_temp AS $$
      DECLARE s text := '_v' || v;
      BEGIN
        IF 'facts' = ANY(tables) THEN
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON read_model.%I (report_id)', 'facts' || s || '_report', 'facts' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id, occurred_at) WHERE coalition_id IS NOT NULL', 'facts' || s || '_coalition', 'facts' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id, country, occurred_at) WHERE country IS NOT NULL', 'facts' || s || '_pair', 'facts' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (retracts) WHERE retracts IS NOT NULL', 'facts' || s || '_retracts', 'facts' || s);
          EXECUTE format('ANALYZE read_model.%I', 'facts' || s);
        END IF;
        IF 'membership' = ANY(tables) THEN
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I USING gist (coalition_id, valid, known)', 'membership' || s || '_at', 'membership' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (country)', 'membership' || s || '_country', 'membership' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id, country)', 'membership' || s || '_pair', 'membership' || s);
          EXECUTE format('ANALYZE read_model.%I', 'membership' || s);
        END IF;
        IF 'coalitions' = ANY(tables) THEN
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id)', 'coalitions' || s || '_id', 'coalitions' || s);
        END IF;
      END $$`;

/**
 * The coalition read model (docs/decisions/0006-bitemporal-read-model.md).
 *
 * Every table is partitioned by read-model `version`: a rebuild fills version n+1 next to the
 * live n, queries read whichever version `versions` marks active (run-time partition pruning),
 * the switch is one UPDATE, and a retired version is dropped, not deleted row by row. A version
 * being rebuilt is loaded without indexes and indexed once, when it has caught up.
 * The partitions are made by SECURITY DEFINER functions: the apps' role creates no tables.
 */
export class ReadModel1764300001000 implements MigrationInterface {
  name = 'ReadModel1764300001000';

  async up(q: QueryRunner): Promise<void> {
    // btree_gist lets one GiST index hold the coalition and the two time ranges.
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`CREATE SCHEMA IF NOT EXISTS read_model`);

    await q.query(`
      CREATE TABLE read_model.versions (
        version      integer PRIMARY KEY,
        state        text NOT NULL CHECK (state IN ('building', 'active', 'retired')),
        -- a building version: 'loading' (facts only, no indexes), then 'ready' (indexed, complete, kept live)
        phase        text NOT NULL DEFAULT 'ready' CHECK (phase IN ('loading', 'ready')),
        created_at   timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at   timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX versions_one_active ON read_model.versions (state) WHERE state = 'active'`);
    await q.query(`CREATE UNIQUE INDEX versions_one_building ON read_model.versions (state) WHERE state = 'building'`);

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
        data         jsonb NOT NULL
      ) PARTITION BY LIST (version)`);

    // The country is a member, with `roles`, for valid times in `valid` as known at times in `known`.
    await q.query(`
      CREATE TABLE read_model.membership (
        version      integer NOT NULL,
        coalition_id text NOT NULL,
        country      text NOT NULL,
        valid        tstzrange NOT NULL,
        known        tstzrange NOT NULL,
        since        timestamptz NOT NULL,
        roles        jsonb NOT NULL
      ) PARTITION BY LIST (version)`);

    await q.query(`
      CREATE TABLE read_model.coalitions (
        version        integer NOT NULL,
        coalition_id   text NOT NULL,
        first_position bigint NOT NULL
      ) PARTITION BY LIST (version)`);

    await q.query(CREATE_VERSION_PARTITIONS_V1);

    await q.query(INDEX_VERSION_PARTITIONS_V1);

    // Fresh statistics for a fast-growing partition (autovacuum may be a minute late).
    await q.query(ANALYZE_VERSION_PARTITIONS_V1);

    await q.query(DROP_VERSION_PARTITIONS_V1);

    await q.query(`INSERT INTO read_model.versions (version, state, phase, activated_at) VALUES (1, 'active', 'ready', now())`);
    await q.query(`SELECT read_model.create_version_partitions(1)`);
    await q.query(`SELECT read_model.index_version_partitions(1)`);

    await q.query(`GRANT USAGE ON SCHEMA read_model TO annals_writer`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA read_model TO annals_writer`);
    const functions =
      'read_model.create_version_partitions(integer), read_model.index_version_partitions(integer, text[]), read_model.analyze_version_partitions(integer), read_model.drop_version_partitions(integer)';
    await q.query(`REVOKE ALL ON FUNCTION ${functions} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${functions} TO annals_writer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA read_model CASCADE`);
  }
}
