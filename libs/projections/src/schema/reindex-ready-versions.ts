import type { QueryRunner } from 'typeorm';

/**
 * For a migration that changes how index_version_partitions builds a table's indexes: each
 * version already indexed (not retired, past loading) loses `indexes` and gets what the
 * function now in place builds. A version still loading has no indexes yet and gets the new ones
 * with the others when it has caught up. `indexes` names them for a version, e.g.
 * (v) => [`facts_v${v}_pair`].
 */
export async function reindexReadyVersions(q: QueryRunner, table: 'facts' | 'membership', indexes: (version: number) => string[]): Promise<void> {
  const rows = (await q.query(`SELECT version FROM read_model.versions WHERE state <> 'retired' AND phase = 'ready'`)) as Array<{ version: number }>;
  for (const { version } of rows) {
    for (const index of indexes(Number(version))) await q.query(`DROP INDEX IF EXISTS read_model.${index}`);
    await q.query(`SELECT read_model.index_version_partitions($1, ARRAY['${table}'])`, [version]);
  }
}
