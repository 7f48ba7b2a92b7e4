import { Pool, type PoolClient } from 'pg';
import { closeOnSilence, createPgPool, SILENCE_GRACE_MS, SilentServerError } from '@annals/database';
import { isTransient } from '@annals/platform';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * A PostgreSQL backend frozen (SIGSTOP: the kernel still holds its connection, so nothing
 * refuses or resets it) stands for a server that accepts statements and never answers them: a
 * stopped host, hung storage, a path that drops packets. A statement sent to it used to wait
 * until the backend came back, which may be never.
 */
describe('foundation: statements on a connection whose server went silent', () => {
  let db: TestDatabase;
  const pools: Pool[] = [];
  const frozen = new Set<number>();

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    frozen.clear();
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    await db.drop();
  });

  const freezeBackendOf = async (client: PoolClient) => {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    process.kill(rows[0]!.pid, 'SIGSTOP');
    frozen.add(rows[0]!.pid);
  };

  it("the app's pool fails a statement its server leaves unanswered past the statement timeout and the grace, as transient, and serves the next on a fresh connection", async () => {
    const statementTimeoutMs = 500;
    const pool = createPgPool({ DATABASE_URL: db.appUrl, DATABASE_POOL_SIZE: 2, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 30_000, DATABASE_STATEMENT_TIMEOUT_MS: statementTimeoutMs }, 'annals-test-silent');
    pools.push(pool);
    const client = await pool.connect();
    await freezeBackendOf(client);
    // the test's own patience: far beyond the silence the pool waits for, so that a hang fails here rather than at jest's timeout
    const patience = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 6 * (statementTimeoutMs + SILENCE_GRACE_MS)).unref());
    const outcome = await Promise.race([client.query('SELECT 1').then(() => 'answered', (error: unknown) => error), patience]);
    client.release(true);

    expect(outcome).toBeInstanceOf(SilentServerError);
    const error = outcome as SilentServerError;
    expect(error.message).toBe(`PostgreSQL did not answer for ${statementTimeoutMs + SILENCE_GRACE_MS} ms while a statement waited: the server or the network to it is silent; the connection was closed`);
    // retried by the ingestor and the projector, answered 503 by the api
    expect(isTransient(error)).toBe(true);
    // the other connections of the pool, and the server, are unharmed
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('every statement queued behind the unanswered one fails with it, and none waits on', async () => {
    const pool = new Pool({ connectionString: db.appUrl, max: 1, pipeline: true } as ConstructorParameters<typeof Pool>[0]);
    pools.push(pool);
    closeOnSilence(pool, 300);
    const client = await pool.connect();
    client.on('error', () => undefined);
    await freezeBackendOf(client);
    const outcomes = await Promise.all(['SELECT 1', 'SELECT 2', 'SELECT 3'].map((sql) => client.query(sql).then(() => 'answered', (error: Error) => error.name)));
    client.release(true);
    expect(outcomes).toEqual(['SilentServerError', 'SilentServerError', 'SilentServerError']);
  });

  it('a connection that was quiet past the silence allowed, idle or between statements, still gives up once its server goes silent', async () => {
    const silentMs = 300;
    const pool = new Pool({ connectionString: db.appUrl, max: 1, pipeline: true } as ConstructorParameters<typeof Pool>[0]);
    pools.push(pool);
    closeOnSilence(pool, silentMs);
    const client = await pool.connect();
    client.on('error', () => undefined);
    // quiet with nothing waiting, twice, as a pooled connection is between bursts: not silent
    for (const round of [1, 2]) {
      await new Promise((resolve) => setTimeout(resolve, 3 * silentMs));
      expect((await client.query<{ round: number }>('SELECT $1::int AS round', [round])).rows).toEqual([{ round }]);
    }
    await freezeBackendOf(client);
    const patience = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 20 * silentMs).unref());
    const outcome = await Promise.race([client.query('SELECT 1').then(() => 'answered', (error: Error) => error.name), patience]);
    client.release(true);
    expect(outcome).toBe('SilentServerError');
  });

  it('a server that answers in turn is not silent: pipelined statements longer in all than the silence allowed, and a connection held idle past it', async () => {
    const pool = new Pool({ connectionString: db.appUrl, max: 1, pipeline: true } as ConstructorParameters<typeof Pool>[0]);
    pools.push(pool);
    closeOnSilence(pool, 1_000);
    const client = await pool.connect();
    try {
      // five statements of 0.6 s sent at once: the last is answered 3 s after it was sent, each 0.6 s after the one before
      const sleeps = await Promise.all([1, 2, 3, 4, 5].map((n) => client.query<{ n: number }>('SELECT $1::int AS n FROM pg_sleep(0.6)', [n])));
      expect(sleeps.map((r) => r.rows[0]!.n)).toEqual([1, 2, 3, 4, 5]);
      // held, inside a transaction, with nothing waiting for longer than the silence allowed
      await client.query('BEGIN');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });
});
