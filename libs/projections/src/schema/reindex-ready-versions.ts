import type { QueryRunner } from 'typeorm';

/**
 * For a migration that changes how index_version_partitions builds one index: each version
 * already indexed (not retired, past loading) gets that index again from the function now in
 * place. A version still loading has no indexes yet and gets the new one with the others when it
 * has caught up. `index` names the index of a version, e.g. (v) => `facts_v${v}_pair`.
 */
export async function reindexReadyVersions(q: QueryRunner, table: 'facts' | 'membership', index: (version: number) => string): Promise<void> {
  const rows = (await q.query(`SELECT version FROM read_model.versions WHERE state <> 'retired' AND phase = 'ready'`)) as Array<{ version: number }>;
  for (const { version } of rows) {
    await q.query(`DROP INDEX IF EXISTS read_model.${index(Number(version))}`);
    await q.query(`SELECT read_model.index_version_partitions($1, ARRAY['${table}'])`, [version]);
  }
}
