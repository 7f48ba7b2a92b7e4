import { createDataSource } from './data-source';

/** Arbitrary, fixed: the key of the advisory lock that lets one process migrate at a time. */
const MIGRATION_LOCK = 7_312_004_211;

export interface MigrationReport {
  applied: string[];
}

/**
 * Applies pending migrations. Safe to call from several processes at once: they queue on an
 * advisory lock, and the ones that come second find nothing left to do.
 */
export async function runMigrations(url: string, options: { grantTo?: string } = {}): Promise<MigrationReport> {
  const dataSource = createDataSource({ url, applicationName: 'annals-migrate' });
  await dataSource.initialize();
  // The lock's session: one of the data source's connections, held until the end (a client of
  // its own connected without the data source's connect timeout, and failed apart from it).
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (options.grantTo) {
      // The group roles the migrations create carry the privileges; the app's login role joins them.
      await dataSource.query(`GRANT annals_writer TO ${'"' + options.grantTo.replace(/"/g, '""') + '"'}`);
    }
    return { applied: applied.map((m) => m.name) };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}

/** The migrations not yet applied to the database at `url` (any role that may read schema_migrations). */
export async function pendingMigrations(url: string): Promise<string[]> {
  const dataSource = createDataSource({ url, applicationName: 'annals-migrate-check' });
  await dataSource.initialize();
  try {
    const { rows } = await dataSource
      .query(`SELECT name FROM schema_migrations`)
      .then((r: Array<{ name: string }>) => ({ rows: r }))
      .catch(() => ({ rows: [] as Array<{ name: string }> }));
    const applied = new Set(rows.map((r) => r.name));
    return dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
  } finally {
    await dataSource.destroy();
  }
}
