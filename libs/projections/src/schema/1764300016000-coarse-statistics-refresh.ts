import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ANALYZE_VERSION_PARTITIONS_V1 } from './1764300001000-read-model';

/**
 * read_model.analyze_version_partitions, second version: a coarse sample (statistics target 10,
 * 3,000 rows) instead of the default one (100, 30,000 rows).
 *
 * The projector calls it each time a live partition doubles, so that the planner learns the
 * partition's new size and rough distributions before autovacuum gets round to it (up to a
 * minute later); autovacuum's own ANALYZE, at the default target, follows and refines them. The
 * coarse sample serves that purpose, and the refresh runs on the same cores as the ingestion it
 * follows. Measured (scratch runs, 50,000 reports into a fresh database, 3 interleaved rounds):
 * the refreshes took 721-968 ms of PostgreSQL's time per run before, 125-328 ms after; one
 * refresh of 50,000 facts and 34,000 membership rows 190-210 ms before, 24-26 ms after. A
 * rebuild's final ANALYZE (index_version_partitions) keeps the default target.
 * This file holds the current definition.
 */
export const ANALYZE_VERSION_PARTITIONS_V2 = `
      CREATE OR REPLACE FUNCTION read_model.analyze_version_partitions(v integer) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = read_model, pg_temp SET default_statistics_target = 10 AS $$
      BEGIN
        EXECUTE format('ANALYZE read_model.%I, read_model.%I', 'facts_v' || v, 'membership_v' || v);
      END $$`;

export class CoarseStatisticsRefresh1764300016000 implements MigrationInterface {
  name = 'CoarseStatisticsRefresh1764300016000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(ANALYZE_VERSION_PARTITIONS_V2);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(ANALYZE_VERSION_PARTITIONS_V1.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  }
}
