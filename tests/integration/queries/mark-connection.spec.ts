import { Pool } from 'pg';
import { isTransient } from '@annals/platform';
import { MarkConnection } from '@annals/queries/state-copy/mark-connection';
import { readModelMark } from '@annals/queries';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The mark read before each answer from the copy, on a connection kept for it: the same mark as
 * a read through the pool, concurrent reads on one server process, a connection that dies
 * replaced, and given back when the api stops (the pool's end waits for it).
 */
describe('queries: the mark on a connection of its own', () => {
  let db: TestDatabase;
  let admin: Pool;
  let pool: Pool;
  const APP = 'mark-connection-test';
  const backends = async () =>
    (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [APP])).rows.map((r) => r.pid);

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new Pool({ connectionString: db.adminUrl, max: 1 });
  });
  beforeEach(() => {
    pool = new Pool({ connectionString: db.appUrl, application_name: APP, max: 5 });
    pool.on('error', () => undefined);
  });
  afterAll(async () => {
    await admin.end();
    await db.drop();
  });

  it('reads the mark readModelMark reads, concurrent reads on one connection', async () => {
    const marks = new MarkConnection(pool);
    const expected = await readModelMark(admin);
    const read = await Promise.all(Array.from({ length: 20 }, () => marks.read()));
    expect(new Set(read.map((m) => m.key))).toEqual(new Set([expected.key]));
    // one server process answered them all: the pool opened no other
    expect(await backends()).toHaveLength(1);
    await marks.close();
    await pool.end();
  });

  it('a connection ended under it fails one read, as a transient error (a 503), and the next read takes a new one', async () => {
    const marks = new MarkConnection(pool);
    await marks.read();
    const [first] = await backends();
    await admin.query('SELECT pg_terminate_backend($1)', [first]);
    const failed = await marks.read().then(
      () => undefined,
      (error: unknown) => error,
    );
    // (a read may also find the dead connection already gone from the pool and succeed on a new one)
    if (failed !== undefined) expect(isTransient(failed)).toBe(true);
    const again = await marks.read();
    expect(again.key).toBe((await readModelMark(admin)).key);
    const now = await backends();
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(first);
    await marks.close();
    await pool.end();
  });

  it('close gives the connection back, so that the pool can end; later reads go through the pool', async () => {
    const marks = new MarkConnection(pool);
    await marks.read();
    await marks.close();
    expect((await marks.read()).key).toBe((await readModelMark(admin)).key);
    // pool.end waits for every connection taken from it: it would never end with the mark's kept
    await Promise.race([pool.end(), new Promise((_, reject) => setTimeout(() => reject(new Error('the pool did not end: the mark connection was not given back')), 5_000))]);
  });
});
