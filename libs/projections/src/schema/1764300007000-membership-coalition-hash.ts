import type { MigrationInterface, QueryRunner } from 'typeorm';
import { INDEX_VERSION_PARTITIONS_V2 } from './1764300004000-formed-index';
import { reindexReadyVersions } from './reindex-ready-versions';

/**
 * The membership GiST index is keyed on hashtextextended(coalition_id, 0) instead of the
 * coalition id's text. The projector inserts about 1.8 membership rows per event, and with
 * btree_gist's text opclass the GiST took about 80% of each insert: 100,000 rows inserted into
 * a partition of 600,000 (bench data) took 6.4 s with the three indexes, 0.9 s without the GiST,
 * 2.3 s with it keyed on the hash (text comparisons in every penalty and union along the
 * descent, against integer arithmetic). Lookups are as selective: a question filters on the
 * hash (the index condition) and on the id itself (a recheck, as hashes may collide); on the
 * same data the state question's member lookup read 17 index pages instead of 68.
 * hashtextextended is the function hash partitioning relies on, kept stable across PostgreSQL
 * versions for that reason. docs/decisions/0006-bitemporal-read-model.md, amendment.
 * The definition of read_model.index_version_partitions that 1764300020000 edits.
 */
export const INDEX_VERSION_PARTITIONS_V3 = `
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
          -- keyed on a hash of the coalition id, not the text itself: btree_gist's text support made
          -- this index four fifths of a membership row's insert cost (see the migration's comment)
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I USING gist (hashtextextended(coalition_id, 0), valid, known)', 'membership' || s || '_at', 'membership' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (country)', 'membership' || s || '_country', 'membership' || s);
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id, country)', 'membership' || s || '_pair', 'membership' || s);
          EXECUTE format('ANALYZE read_model.%I', 'membership' || s);
        END IF;
        IF 'coalitions' = ANY(tables) THEN
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON read_model.%I (coalition_id)', 'coalitions' || s || '_id', 'coalitions' || s);
        END IF;
      END $$`;

export class MembershipCoalitionHash1764300007000 implements MigrationInterface {
  name = 'MembershipCoalitionHash1764300007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V3);
    await reindexReadyVersions(q, 'membership', (v) => [`membership_v${v}_at`]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V2);
    await reindexReadyVersions(q, 'membership', (v) => [`membership_v${v}_at`]);
  }
}
