import { Client } from 'pg';

/**
 * Drops a database once the connections its users have closed are gone. pg-pool's end()
 * resolves once it has asked its clients to close, not once their backends have exited: a
 * DROP ... WITH (FORCE) at that moment terminates them, and each client reports 57P01 as an
 * 'error' event, which crashes the process when nobody listens for it. So this waits (up to
 * `waitMs`) for the database to have no sessions; FORCE only ends sessions left behind.
 */
export async function dropDatabase(adminUrl: string, name: string, waitMs = 5_000): Promise<void> {
  const admin = new Client({ connectionString: adminUrl, application_name: 'annals-drop-database' });
  await admin.connect();
  try {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (rows[0]!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await admin.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
