import type { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceOnce } from '@annals/database/function-text';
import { INDEX_VERSION_PARTITIONS_V4 } from './1764300020000-facts-pair-covering';
import { reindexReadyVersions } from './reindex-ready-versions';

/**
 * A membership partition loses its (country) btree: the per-country question reads the pair
 * index (coalition_id, country) instead, by a skip scan (PostgreSQL 18; the stacks' version),
 * which descends once per coalition, a few hundred at most. The projector writes about three
 * membership rows per event, and each row written was an entry in the (country) index too:
 * inserting rows like the benchmark's into a partition of 200,000 took 27.0 µs per row without
 * it against 28.8 with it (medians of 16 interleaved trials).
 * docs/decisions/0006-bitemporal-read-model.md, amendment.
 * The definition of read_model.index_version_partitions that 1764300028000 edits.
 */
export const INDEX_VERSION_PARTITIONS_V5 = replaceOnce(
  INDEX_VERSION_PARTITIONS_V4,
  `
          EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON read_model.%I (country)', 'membership' || s || '_country', 'membership' || s);`,
  `
          -- no (country) index: the per-country question reads the pair index by a skip scan
          -- (migration 1764300023000), one index fewer to write per membership row`,
);

/** Up drops each indexed version's (country) index, down builds it again (one transaction: queries and the projector wait). */
export class MembershipCountryBySkipScan1764300023000 implements MigrationInterface {
  name = 'MembershipCountryBySkipScan1764300023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V5);
    await reindexReadyVersions(q, 'membership', (v) => [`membership_v${v}_country`]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V4);
    await reindexReadyVersions(q, 'membership', () => []);
  }
}
