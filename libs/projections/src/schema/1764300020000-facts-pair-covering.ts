import type { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceOnce } from '@annals/database/function-text';
import { INDEX_VERSION_PARTITIONS_V3 } from './1764300007000-membership-coalition-hash';
import { reindexReadyVersions } from './reindex-ready-versions';

/**
 * The facts' pair index carries, besides its keys, every column the projector reads of a pair's
 * facts (readPairFacts, coalition-membership/pair-reads.ts): that read becomes an index-only scan, a pair's
 * facts side by side in a leaf page or two, where it fetched each fact's heap page -- facts are
 * stored in arrival order, so a pair's twenty facts lay on twenty pages. On a copy of a database
 * of 1,000,000 events (the bench's), reading the facts of 300 random pairs (6,300 facts) took
 * 20-55 ms instead of 300-480 ms; the index is 159 MB instead of 44 MB beside a 339 MB table.
 * The projector alone on 50,000 messages there used 29.8 s of PostgreSQL's CPU instead of 36.1.
 * `version` is included because the projector filters on it (the partition's constraint does
 * not take the filter away), the questions' `source` is not (large; they read few facts).
 * docs/decisions/0006-bitemporal-read-model.md, second amendment.
 * The definition of read_model.index_version_partitions that 1764300023000 edits.
 */
const FACTS_PAIR_KEY = '(coalition_id, country, occurred_at)';
const FACTS_PAIR_INCLUDE = '(version, type, report_id, position, roles, known_at, retracted_at)';

export const INDEX_VERSION_PARTITIONS_V4 = replaceOnce(
  INDEX_VERSION_PARTITIONS_V3,
  `read_model.%I ${FACTS_PAIR_KEY} WHERE country IS NOT NULL', 'facts' || s || '_pair'`,
  `read_model.%I ${FACTS_PAIR_KEY} INCLUDE ${FACTS_PAIR_INCLUDE} WHERE country IS NOT NULL', 'facts' || s || '_pair'`,
);

/** Up and down rebuild the pair index of each version in use (one transaction: queries and the projector wait). */
export class FactsPairCovering1764300020000 implements MigrationInterface {
  name = 'FactsPairCovering1764300020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V4);
    await reindexReadyVersions(q, 'facts', (v) => [`facts_v${v}_pair`]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V3);
    await reindexReadyVersions(q, 'facts', (v) => [`facts_v${v}_pair`]);
  }
}
