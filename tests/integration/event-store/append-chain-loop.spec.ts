import { Client, type Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { PostgresEventStore, type NewEvent } from '@annals/event-store';
import { AppendChainLoop1764300014000 } from '@annals/event-store/schema/1764300014000-append-chain-loop';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * Since migration 1764300014000, `append` makes each new event's position, canonical bytes and
 * link of the chain in one PL/pgSQL loop, subscripting its array arguments. The chain must
 * continue across the change in both directions, and a large call with repeated keys must store
 * each new event once, in call order, with the bytes of the event it stores.
 */
describe('event store: positions, bytes and chain made in one loop', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  const event = (key: string, i: number): NewEvent => ({ type: 'reported', data: { key, i, note: `n-${'"\\'.repeat(i % 4)}` }, idempotencyKey: key });

  it('a call of 2,000 events with repeats stores each new one once, in call order, and the chain verifies', async () => {
    const events = Array.from({ length: 2000 }, (_, i) => event(`big-${i}`, i));
    await store.append('loop-big', events.slice(0, 10), { expectedVersion: 'no-stream' });
    // the first ten are stored already, and big-20 comes twice: 1,990 new events
    const result = await store.append('loop-big', [...events, event('big-20', 20)], { expectedVersion: 10 });
    const fresh = result.events.filter((e) => !e.duplicate);
    expect(fresh).toHaveLength(1990);
    expect(fresh.map((e) => e.streamVersion)).toEqual(Array.from({ length: 1990 }, (_, i) => 11 + i));
    expect(fresh.every((e, i) => i === 0 || e.position > fresh[i - 1]!.position)).toBe(true);
    const stored = await store.readStream('loop-big');
    expect(stored.map((e) => (e.data as { key: string }).key)).toEqual(events.map((e) => e.idempotencyKey));
    expect(await store.verify()).toEqual([]);
  });

  it('the chain continues across the migration, down and up again', async () => {
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      const runner = { query: (sql: string) => owner.query(sql) } as unknown as QueryRunner;
      const source = async () =>
        (await owner.query<{ src: string }>(`SELECT md5(prosrc) AS src FROM pg_proc WHERE oid = 'event_store.append(text,text,bigint,text[],integer[],jsonb[],jsonb[],timestamptz[],text[])'::regprocedure`)).rows[0]!.src;
      const migration = new AppendChainLoop1764300014000();
      const calls = async (round: string, from: number) => {
        await store.append('loop-across', [event(`${round}-a`, 1), event(`${round}-b`, 2)], { expectedVersion: from });
        // a mixed call: one stored key, one new, one repeated
        await store.append('loop-across', [event(`${round}-a`, 1), event(`${round}-c`, 3), event(`${round}-c`, 3)], { expectedVersion: from + 2 });
      };
      const current = await source();
      await calls('v5', 0);
      await migration.down(runner);
      expect(await source()).not.toBe(current);
      await calls('v4', 3);
      await migration.up(runner);
      expect(await source()).toBe(current);
      await calls('v5-again', 6);
      expect((await store.readStream('loop-across')).map((e) => e.idempotencyKey)).toEqual(['v5-a', 'v5-b', 'v5-c', 'v4-a', 'v4-b', 'v4-c', 'v5-again-a', 'v5-again-b', 'v5-again-c']);
      expect(await store.verify()).toEqual([]);
    } finally {
      await owner.end();
    }
  });
});
