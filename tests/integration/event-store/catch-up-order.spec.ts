import type { Pool, PoolClient } from 'pg';
import { PostgresEventStore, START, type Checkpoint } from '@annals/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@annals/testing';

/** Appends through the SQL function inside a transaction the test keeps open. */
async function appendInOpenTransaction(client: PoolClient, streamId: string, label: string): Promise<number> {
  const { rows } = await client.query<{ position: number }>(
    `SELECT positions[1] AS position FROM event_store.append($1, 'test', -1, ARRAY['marked'], ARRAY[1], ARRAY[$2::json], ARRAY['{}'::json], ARRAY[NULL::timestamptz], ARRAY[NULL::text])`,
    [streamId, JSON.stringify({ label })],
  );
  return rows[0]!.position;
}

describe('event store: catch-up readers never skip an event committed out of order', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 6 });
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  /** A reader that, like a projection, reads batches after its checkpoint until nothing is left. */
  async function drain(checkpoint: Checkpoint, seen: string[]): Promise<Checkpoint> {
    for (;;) {
      const batch = await store.readAll(checkpoint, 2);
      if (batch.events.length === 0) return checkpoint;
      for (const e of batch.events) seen.push((e.data as { label: string }).label);
      checkpoint = batch.checkpoint;
    }
  }

  /**
   * Drains until every label of `labels` has been delivered. An event is delivered once every
   * transaction older than it has ended, and the horizon is the server's: a transaction of
   * another test's database, running meanwhile, holds it back too (seen once in CI, the last
   * round's B arriving a moment after its A). A reader that skipped an event would have moved
   * its checkpoint past it: it never comes, and this times out.
   */
  async function drainUntil(checkpoint: Checkpoint, seen: string[], labels: string[]): Promise<Checkpoint> {
    return eventually(`${labels.join(', ')} delivered`, async () => {
      checkpoint = await drain(checkpoint, seen);
      return labels.every((l) => seen.includes(l)) ? checkpoint : undefined;
    }, 30_000, 50);
  }

  it('A takes a smaller position and holds its transaction; B commits a larger one; the reader delivers both once A commits (x20)', async () => {
    let checkpoint = START;
    const seen: string[] = [];
    for (let round = 0; round < 20; round++) {
      const a = await pool.connect();
      const b = await pool.connect();
      try {
        await a.query('BEGIN');
        const positionA = await appendInOpenTransaction(a, `stream-a-${round % 3}`, `A${round}`);
        await b.query('BEGIN');
        const positionB = await appendInOpenTransaction(b, `stream-b-${round % 3}`, `B${round}`);
        expect(positionA).toBeLessThan(positionB);
        await b.query('COMMIT');
        checkpoint = await drain(checkpoint, seen);
        expect(seen).not.toContain(`A${round}`);
        await a.query('COMMIT');
        checkpoint = await drainUntil(checkpoint, seen, [`A${round}`, `B${round}`]);
      } finally {
        a.release();
        b.release();
      }
    }
    const expected = Array.from({ length: 20 }, (_, r) => [`A${r}`, `B${r}`]).flat();
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('the older transaction B takes the larger position and commits first; A commits later with the smaller position; nothing is skipped (x20)', async () => {
    let checkpoint = (await store.readAll(START, 100_000)).checkpoint;
    const seen: string[] = [];
    for (let round = 0; round < 20; round++) {
      const a = await pool.connect();
      const b = await pool.connect();
      try {
        await b.query('BEGIN');
        await b.query('SELECT pg_current_xact_id()'); // B's transaction id is the older one
        await a.query('BEGIN');
        const positionA = await appendInOpenTransaction(a, `late-a-${round % 3}`, `A${round}`);
        const positionB = await appendInOpenTransaction(b, `late-b-${round % 3}`, `B${round}`);
        expect(positionA).toBeLessThan(positionB);
        await b.query('COMMIT');
        // B is older than every transaction of this test: delivered while A is still open
        checkpoint = await drainUntil(checkpoint, seen, [`B${round}`]);
        expect(seen).not.toContain(`A${round}`);
        await a.query('COMMIT');
        checkpoint = await drainUntil(checkpoint, seen, [`A${round}`]); // ... and A, despite its smaller position
      } finally {
        a.release();
        b.release();
      }
    }
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });

  it('reads everything in global order from a checkpoint, in batches', async () => {
    for (let i = 0; i < 25; i++) await store.append(`ordered-${i % 4}`, [{ type: 'n', data: { i } }], { expectedVersion: 'any' });
    const all = await store.readAll(START, 1_000_000);
    const batched: number[] = [];
    let checkpoint = START;
    for (;;) {
      const batch = await store.readAll(checkpoint, 7);
      if (!batch.events.length) break;
      expect(batch.events.length).toBeLessThanOrEqual(7);
      batched.push(...batch.events.map((e) => e.position));
      checkpoint = batch.checkpoint;
    }
    expect(batched).toEqual(all.events.map((e) => e.position));
  });

  it('names the session that holds readers back', async () => {
    const holder = await pool.connect();
    try {
      await holder.query("SET application_name = 'annals-test-holder'");
      await holder.query('BEGIN');
      await appendInOpenTransaction(holder, 'held', 'held');
      await store.append('after-held', [{ type: 'marked', data: { label: 'after' } }], { expectedVersion: 'any' });
      const holders = await store.horizonHolders();
      expect(holders.map((h) => h.applicationName)).toContain('annals-test-holder');
      const held = holders.find((h) => h.applicationName === 'annals-test-holder')!;
      expect(held.pid).toEqual(expect.any(Number));
      expect(held.heldForSeconds).toBeGreaterThanOrEqual(0);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it('ends sessions idle in a transaction after the configured timeout, so they cannot hold readers back for long', async () => {
    const shortPool = db.appPool({ max: 1, idleInTransactionMs: 300 });
    const client = await shortPool.connect();
    const died = new Promise<Error>((resolve) => client.once('error', resolve));
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    const error = await died;
    expect(error.message).toMatch(/idle-in-transaction timeout/);
    client.release(true);
  });
});
