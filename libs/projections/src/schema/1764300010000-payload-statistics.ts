import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CREATE_VERSION_PARTITIONS_V1 } from './1764300001000-read-model';

/**
 * The read model's JSON columns (a fact's roles, source and report data; a membership row's roles)
 * are what queries return, never what they filter, join or sort on: no plan needs statistics on
 * them. Sampling them was most of what an ANALYZE of a version's partitions cost (40,000 facts:
 * 443 ms for facts_v1 with them, 129 ms without; membership_v1 158 ms and 68 ms), and the
 * projector analyzes a live partition each time it doubles, as autovacuum does in the
 * background. Statistics target 0 on those columns: ANALYZE skips them.
 *
 * A new partition does not take its parent's statistics targets, so create_version_partitions
 * sets them on each version's partitions; the partitions that exist now get them through their
 * parents. The second create_version_partitions: 1764300019000-partition-locks-first replaces it
 * and restores it on the way down.
 */
const UNSAMPLED: Record<'facts' | 'membership', string[]> = { facts: ['roles', 'source', 'data'], membership: ['roles'] };

/** `ALTER TABLE <table> ALTER COLUMN ... SET STATISTICS <target>, ...` for a read-model table's JSON columns. */
function setTargets(table: 'facts' | 'membership', target: number, relation: string): string {
  return `ALTER TABLE ${relation} ${UNSAMPLED[table].map((c) => `ALTER COLUMN ${c} SET STATISTICS ${target}`).join(', ')}`;
}

/** create_version_partitions, second version: the first's, and statistics target 0 on the new partitions' JSON columns. */
export const CREATE_VERSION_PARTITIONS_V2 = `
      CREATE OR REPLACE FUNCTION read_model.create_version_partitions(v integer) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = read_model, pg_temp AS $$
      DECLARE t text;
      BEGIN
        FOREACH t IN ARRAY ARRAY['facts', 'membership', 'coalitions'] LOOP
          EXECUTE format('CREATE TABLE IF NOT EXISTS read_model.%I PARTITION OF read_model.%I FOR VALUES IN (%s)', t || '_v' || v, t, v);
          EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON read_model.%I TO annals_writer', t || '_v' || v);
        END LOOP;
        EXECUTE format('${setTargets('facts', 0, 'read_model.%I')}', 'facts_v' || v);
        EXECUTE format('${setTargets('membership', 0, 'read_model.%I')}', 'membership_v' || v);
      END $$`;

export class PayloadStatistics1764300010000 implements MigrationInterface {
  name = 'PayloadStatistics1764300010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(CREATE_VERSION_PARTITIONS_V2);
    // on a partitioned table, ALTER TABLE reaches every partition it has
    await q.query(setTargets('facts', 0, 'read_model.facts'));
    await q.query(setTargets('membership', 0, 'read_model.membership'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(CREATE_VERSION_PARTITIONS_V1.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await q.query(setTargets('facts', -1, 'read_model.facts'));
    await q.query(setTargets('membership', -1, 'read_model.membership'));
  }
}
