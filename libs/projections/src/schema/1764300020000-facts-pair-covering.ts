import type { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceOnce } from '@annals/database/function-text';
import { INDEX_VERSION_PARTITIONS_V3 } from './1764300007000-membership-coalition-hash';

/**
 * The facts' pair index carries, besides its keys, every column the projector reads of a pair's
 * facts (CoalitionMembershipProjection.readFacts): that read becomes an index-only scan, a pair's
 * facts side by side in a leaf page or two, where it fetched each fact's heap page -- facts are
 * stored in arrival order, so a pair's twenty facts lay on twenty pages. On a copy of a database
 * of 1,000,000 events (the bench's), reading the facts of 300 random pairs (6,300 facts) took
 * 20-55 ms instead of 300-480 ms; the index is 159 MB instead of 44 MB beside a 339 MB table.
 * The projector alone on 50,000 messages there used 29.8 s of PostgreSQL's CPU instead of 36.1.
 * `version` is included because the projector filters on it (the partition's constraint does
 * not take the filter away), the questions' `source` is not (large; they read few facts).
 * docs/decisions/0006-bitemporal-read-model.md, second amendment.
 * This file holds the current definition of read_model.index_version_partitions.
 */
export const FACTS_PAIR_KEY = '(coalition_id, country, occurred_at)';
export const FACTS_PAIR_INCLUDE = '(version, type, report_id, position, roles, known_at, retracted_at)';

export const INDEX_VERSION_PARTITIONS_V4 = replaceOnce(
  INDEX_VERSION_PARTITIONS_V3,
  `read_model.%I ${FACTS_PAIR_KEY} WHERE country IS NOT NULL', 'facts' || s || '_pair'`,
  `read_model.%I ${FACTS_PAIR_KEY} INCLUDE ${FACTS_PAIR_INCLUDE} WHERE country IS NOT NULL', 'facts' || s || '_pair'`,
);

export class FactsPairCovering1764300020000 implements MigrationInterface {
  name = 'FactsPairCovering1764300020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V4);
    await reindexFactsPair(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V3);
    await reindexFactsPair(q);
  }
}

/**
 * Versions already indexed get the pair index of the function now in place (an index build over
 * the version's facts, which holds off the projector's writes to them meanwhile); a version still
 * loading has no indexes yet and gets it with the others when it has caught up.
 */
async function reindexFactsPair(q: QueryRunner): Promise<void> {
  const rows = (await q.query(`SELECT version FROM read_model.versions WHERE state <> 'retired' AND phase = 'ready'`)) as Array<{ version: number }>;
  for (const { version } of rows) {
    await q.query(`DROP INDEX IF EXISTS read_model.facts_v${Number(version)}_pair`);
    await q.query(`SELECT read_model.index_version_partitions($1, ARRAY['facts'])`, [version]);
  }
}
