import { Client, Pool } from 'pg';
import { createTestDatabase, testServers } from '@annals/testing';

describe('foundation: a test database is dropped without breaking the clients that are closing', () => {
  // pg-pool's end() resolves before its backends have gone. A DROP ... WITH (FORCE) that
  // lands in between terminates them, and each client reports 57P01 as an 'error' event:
  // for a suite's own pool with no listener, an unhandled error that fails the whole suite.
  // A statement still running when the pool is ended makes that window long enough to see.
  it('a pool ended while its last statement runs finishes it, sees no error event, and the database is gone', async () => {
    const db = await createTestDatabase('annals_drop');
    const errors: string[] = [];
    const pool = new Pool({ connectionString: db.appUrl, max: 4 });
    pool.on('error', (error) => errors.push(error.message));
    await Promise.all(Array.from({ length: 8 }, () => pool.query('SELECT 1')));
    const client = await pool.connect();
    const last = client.query<{ done: boolean }>('SELECT true AS done FROM pg_sleep(0.5)').finally(() => client.release());
    const ended = pool.end();
    await db.drop();
    expect((await last).rows).toEqual([{ done: true }]);
    await ended;
    expect(errors).toEqual([]);

    const admin = new Client({ connectionString: testServers().adminDatabaseUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
      expect(rows).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});
