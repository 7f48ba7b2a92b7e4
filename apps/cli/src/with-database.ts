import { Pool } from 'pg';
import { createDataSource, createPgPool } from '@annals/database';
import { PostgresEventStore } from '@annals/event-store';
import { ProjectionVersionEntity, ProjectionVersions } from '@annals/projections';

export interface CliDatabase {
  pool: Pool;
  store: PostgresEventStore;
  versions: ProjectionVersions;
}

/** Opens what the database commands need, runs `work`, and closes it all again. */
export async function withDatabase<T>(url: string, work: (db: CliDatabase) => Promise<T>): Promise<T> {
  const pool = createPgPool({ DATABASE_URL: url, DATABASE_POOL_SIZE: 6, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 30_000, DATABASE_STATEMENT_TIMEOUT_MS: 600_000 }, 'annals-cli');
  const dataSource = createDataSource({ url, applicationName: 'annals-cli', entities: [ProjectionVersionEntity], poolSize: 1 });
  try {
    await dataSource.initialize();
    return await work({ pool, store: new PostgresEventStore(pool), versions: new ProjectionVersions(pool, dataSource.getRepository(ProjectionVersionEntity)) });
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await pool.end();
  }
}
