import { Client, Pool } from 'pg';
import { runMigrations } from '@annals/database/run-migrations';
import { createPgPool } from '@annals/database/pg-pool';
import { dropDatabase } from '@annals/database/drop-database';
import { testServers, uniqueName } from './test-servers';

/** A migrated database of its own for one test suite, reached as the app, the owner and a superuser. */
export interface TestDatabase {
  name: string;
  appUrl: string;
  ownerUrl: string;
  adminUrl: string;
  /** A pool as the application's role, with the app's session settings. */
  appPool(options?: { max?: number; idleInTransactionMs?: number }): Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'annals_test'): Promise<TestDatabase> {
  const servers = testServers();
  const name = uniqueName(prefix).toLowerCase();
  const ownerUser = decodeURIComponent(new URL(servers.ownerDatabaseUrl).username);
  const appUser = decodeURIComponent(new URL(servers.appDatabaseUrl).username);
  const admin = new Client({ connectionString: servers.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" OWNER "${ownerUser}"`);
  } finally {
    await admin.end();
  }
  const withDb = (url: string) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const ownerUrl = withDb(servers.ownerDatabaseUrl);
  await runMigrations(ownerUrl, appUser !== ownerUser ? { grantTo: appUser } : {});
  const pools: Pool[] = [];
  return {
    name,
    appUrl: withDb(servers.appDatabaseUrl),
    ownerUrl,
    adminUrl: withDb(servers.adminDatabaseUrl),
    appPool(options = {}) {
      const pool = createPgPool(
        {
          DATABASE_URL: withDb(servers.appDatabaseUrl),
          DATABASE_POOL_SIZE: options.max ?? 10,
          DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: options.idleInTransactionMs ?? 30_000,
          DATABASE_STATEMENT_TIMEOUT_MS: 60_000,
        },
        'annals-test',
      );
      pools.push(pool);
      return pool;
    },
    async drop() {
      await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
      await dropDatabase(servers.adminDatabaseUrl, name);
    },
  };
}
