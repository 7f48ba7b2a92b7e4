import type { MigrationInterface, QueryRunner } from 'typeorm';
import { INDEX_VERSION_PARTITIONS_V1 } from './1764300001000-read-model';

/** The second version of read_model.index_version_partitions (1764300007000-membership-coalition-hash replaces it; its down() restores this). */
export const INDEX_VERSION_PARTITIONS_V2 = `
      CREATE OR REPLACE FUNCTION read_model.index_version_partitions(v integer, tables text[] DEFAULT ARRAY['facts', 'membership', 'coalitions']) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = read_model, pg_temp AS $$
      DECLARE s text := '_v' || v;
      BEGIN
        IF 'facts' = ANY(tables) THEN
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON read_model.%I (report_id)', 'facts' || s || '_report', 'facts' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id, occurred_at) WHERE coalition_id IS NOT NULL', 'facts' || s || '_coalition', 'facts' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id, country, occurred_at) WHERE country IS NOT NULL', 'facts' || s || '_pair', 'facts' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (retracts) WHERE retracts IS NOT NULL', 'facts' || s || '_retracts', 'facts' || s);
          -- in the formation lookup's order (fold order), so it reads the index and stops at the first visible one
          EXECUTE format($f$CREATE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id, occurred_at, known_at, position) WHERE type = 'coalition.formed'$f$, 'facts' || s || '_formed', 'facts' || s);
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
 * A coalition's name and formation date come from its first visible `coalition.formed` report
 * (semantics rule 1). Without an index of those reports the lookup walked every fact of the
 * coalition in valid-time order, checking each one's type: 4,934 rows and 3-14 ms at 1M stored
 * events, for every state, timeline, history and diff question, and 200 times over for the
 * coalition list (docs/benchmarks.md). A partial index holds only the formation reports, so the
 * lookup reads the few there are. Everything else is as in 1764300001000-read-model.
 */
export class FormedIndex1764300004000 implements MigrationInterface {
  name = 'FormedIndex1764300004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V2);
    // Versions already indexed get the new index now; a version still loading gets it with the others.
    await q.query(`SELECT read_model.index_version_partitions(version, ARRAY['facts']) FROM read_model.versions WHERE state <> 'retired' AND phase = 'ready'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const rows = (await q.query(`SELECT version FROM read_model.versions WHERE state <> 'retired'`)) as Array<{ version: number }>;
    for (const { version } of rows) await q.query(`DROP INDEX IF EXISTS read_model.facts_v${Number(version)}_formed`);
    await q.query(INDEX_VERSION_PARTITIONS_V1.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  }
}
