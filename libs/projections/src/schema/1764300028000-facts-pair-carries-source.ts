import type { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceOnce } from '@annals/database/function-text';
import { INDEX_VERSION_PARTITIONS_V5 } from './1764300023000-membership-country-by-skip-scan';
import { reindexReadyVersions } from './reindex-ready-versions';

/**
 * The facts' pair index carries each fact's `source` too, so that the point-in-time state reads a
 * member's sources from the index alone: on a long log a coalition's state lists some 150 members
 * with 700 sources, which the table holds in arrival order, a page apart, and the state fetched
 * each one's page for its source. Migration 1764300020000 left `source` out as large for the few
 * facts a question read; at 1,000,000 events a state reads 700. On the bench's database of
 * 1,000,000 events (vacuumed, 300 random states in turns, the api's own statement): the
 * statement 4.2 ms instead of 5.6 in PostgreSQL, the state in Node 5.7 ms at p50 instead of 7.5;
 * the index 229 MB instead of 155 beside a 339 MB table.
 * docs/decisions/0006-bitemporal-read-model.md, amendment.
 * This file holds the current definition of read_model.index_version_partitions.
 */
export const INDEX_VERSION_PARTITIONS_V6 = replaceOnce(
  INDEX_VERSION_PARTITIONS_V5,
  'INCLUDE (version, type, report_id, position, roles, known_at, retracted_at)',
  'INCLUDE (version, type, report_id, position, roles, known_at, retracted_at, source)',
);

/** Up and down rebuild the pair index of each version in use (one transaction: queries and the projector wait). */
export class FactsPairCarriesSource1764300028000 implements MigrationInterface {
  name = 'FactsPairCarriesSource1764300028000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V6);
    await reindexReadyVersions(q, 'facts', (v) => [`facts_v${v}_pair`]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(INDEX_VERSION_PARTITIONS_V5);
    await reindexReadyVersions(q, 'facts', (v) => [`facts_v${v}_pair`]);
  }
}
