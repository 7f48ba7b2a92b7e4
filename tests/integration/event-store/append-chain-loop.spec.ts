import { Client, type Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { PostgresEventStore, type NewEvent } from '@annals/event-store';
import { AppendChainLoop1764300014000 } from '@annals/event-store/schema/1764300014000-append-chain-loop';
import { AppendManyChainLoop1764300015000 } from '@annals/event-store/schema/1764300015000-append-many-chain-loop';
import { StreamWriteLock1764300018000 } from '@annals/event-store/schema/1764300018000-stream-write-lock';
import { AppendNewKeysFirst1764300024000 } from '@annals/event-store/schema/1764300024000-append-new-keys-first';
import { StreamRowWithItsHead1764300025000 } from '@annals/event-store/schema/1764300025000-stream-row-with-its-head';
import { APPEND_SIGNATURE, AppendAnswerInOneRow1764300026000 } from '@annals/event-store/schema/1764300026000-append-answer-in-one-row';
import { LogKeepsJsonAsSent1764300027000 } from '@annals/event-store/schema/1764300027000-log-keeps-json-as-sent';
import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { sqlAppend, sqlAppendMany, sqlAppendOne, type SqlEvent } from '../../support/sql-append';

/**
 * Since migrations 1764300014000 and 1764300015000, `append` and `append_many` make each new
 * event's position, canonical bytes and link of the chain in one PL/pgSQL loop, subscripting
 * their array arguments; since 1764300018000, append_one chains its event inside the UPDATE of
 * the stream's head; since 1764300024000, `append` and append_many try a call as if its keys were
 * all new before the checked path; since 1764300025000, a new stream's row is inserted once, with
 * its head, by all three; since 1764300026000, `append` answers in one row. A large call must
 * store each new event once, in order, with the bytes of the event it stores; the chains must
 * continue across the changes in both directions (the second describe).
 */
describe('event store: positions, bytes and chains made in one loop', () => {
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

  it('append_many: a call of 1,200 events over 300 streams stores each in stream id order, each stream chained onto its head', async () => {
    const streamIds = Array.from({ length: 300 }, (_, s) => `many-big-${String(s).padStart(3, '0')}`);
    await store.appendMany(streamIds.map((s) => ({ streamId: s, events: [event(`${s}-0`, 0)], options: { expectedVersion: 'no-stream' } })));
    // shuffled stream order in the call: positions still go by stream id, then call order
    const order = [...streamIds].reverse();
    const results = await store.appendMany(order.map((s) => ({ streamId: s, events: [1, 2, 3, 4].map((i) => event(`${s}-${i}`, i)), options: { expectedVersion: 1 } })));
    const written = results.flatMap((r) => ('events' in r ? r.events : []));
    expect(written).toHaveLength(1200);
    const byPosition = [...written].sort((a, b) => a.position - b.position);
    expect(byPosition.map((e) => `${e.streamId}:${e.streamVersion}`)).toEqual(streamIds.flatMap((s) => [2, 3, 4, 5].map((v) => `${s}:${v}`)));
    for (const s of [streamIds[0]!, streamIds[299]!]) {
      expect((await store.readStream(s)).map((e) => (e.data as { key: string }).key)).toEqual([0, 1, 2, 3, 4].map((i) => `${s}-${i}`));
    }
    expect(await store.verify()).toEqual([]);
  });
});

/**
 * The same chains across each migration that rewrote one of the append functions, in a log whose
 * JSON is jsonb, as it was before migration 1764300027000 (which has a spec of its own: its down
 * is refused once an event keeps JSON that jsonb would print otherwise, as every append after it
 * makes). The calls go straight to SQL, which fits every version's arguments; the store, which
 * sends json, reads the streams back and verifies.
 */
describe('event store: chains across the migrations of the append functions', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
    // (before any event is stored: nothing then keeps JSON that jsonb would print otherwise)
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    await new LogKeepsJsonAsSent1764300027000().down({ query: (sql: string) => owner.query(sql).then((r) => r.rows) } as unknown as QueryRunner);
    await owner.end();
  });
  afterAll(() => db.drop());

  const sqlEvent = (key: string, i: number): SqlEvent => ({ type: 'reported', data: { key, i, note: `n-${'"\\'.repeat(i % 4)}` }, key });

  const sourceOf = async (owner: Client, fn: 'append' | 'append_many' | 'append_one') =>
    (await owner.query<{ src: string }>(`SELECT md5(prosrc) AS src FROM pg_proc WHERE proname = $1 AND pronamespace = 'event_store'::regnamespace`, [fn])).rows[0]!.src;

  it.each([
    ['append (1764300014000)', 'append' as const, new AppendChainLoop1764300014000()],
    ['append_many (1764300015000)', 'append_many' as const, new AppendManyChainLoop1764300015000()],
    ['append_one (1764300018000)', 'append_one' as const, new StreamWriteLock1764300018000()],
    ['append (1764300024000)', 'append' as const, new AppendNewKeysFirst1764300024000()],
    ['append_many (1764300024000)', 'append_many' as const, new AppendNewKeysFirst1764300024000()],
    ['append_one (1764300025000)', 'append_one' as const, new StreamRowWithItsHead1764300025000()],
    ['append (1764300025000)', 'append' as const, new StreamRowWithItsHead1764300025000()],
    ['append_many (1764300025000)', 'append_many' as const, new StreamRowWithItsHead1764300025000()],
    ['append (1764300026000)', 'append' as const, new AppendAnswerInOneRow1764300026000()],
  ])('%s: the chains continue across the migration, down and up again', async (_, fn, migration) => {
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    const runner = { query: (sql: string) => owner.query(sql) } as unknown as QueryRunner;
    // the append functions as the migrated schema has them, put back afterwards whichever migration defines them now
    const { rows: installed } = await owner.query<{ def: string }>(
      `SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
        WHERE p.pronamespace = 'event_store'::regnamespace AND p.proname IN ('append', 'append_one', 'append_many', 'append_many_per_stream')`,
    );
    try {
      const streams = [`${fn}-across-1`, `${fn}-across-2`];
      const calls = async (round: string, from: number) => {
        const plain = (s: string) => [sqlEvent(`${s}-${round}-a`, 1), sqlEvent(`${s}-${round}-b`, 2)];
        // a mixed call: one stored key, one new, one repeated
        const mixed = (s: string) => [sqlEvent(`${s}-${round}-a`, 1), sqlEvent(`${s}-${round}-c`, 3), sqlEvent(`${s}-${round}-c`, 3)];
        if (fn === 'append_one') {
          // one event per call, the stored key answered as a duplicate
          for (const s of streams) {
            for (const [i, e] of [...plain(s), mixed(s)[0]!, mixed(s)[1]!].entries()) await sqlAppendOne(pool, s, from + Math.min(i, 2), e);
          }
        } else if (fn === 'append') {
          for (const s of streams) await sqlAppend(pool, s, from, plain(s));
          for (const s of streams) await sqlAppend(pool, s, from + 2, mixed(s));
        } else {
          await sqlAppendMany(pool, streams.map((s) => ({ streamId: s, expected: from, events: plain(s) })));
          await sqlAppendMany(pool, streams.map((s) => ({ streamId: s, expected: from + 2, events: mixed(s) })));
        }
      };
      // (the source is compared only to know that `down` did put the other version in place: else
      // the chains written "before" the migration would prove nothing; a later migration may have
      // replaced the function since, so this one's own version is put in place first; `append`'s
      // answer has changed shape since (1764300026000), which CREATE OR REPLACE cannot undo: for
      // an earlier migration, that change is undone first; the log of this describe holds its
      // JSON as jsonb, as it did before 1764300027000)
      const answerInOneRow = new AppendAnswerInOneRow1764300026000();
      const timestamp = (m: { name: string }) => Number(/\d{13}$/.exec(m.name)![0]);
      if (timestamp(migration) < timestamp(answerInOneRow)) await answerInOneRow.down(runner);
      await migration.up(runner);
      const current = await sourceOf(owner, fn);
      await calls('new', 0);
      await migration.down(runner);
      expect(await sourceOf(owner, fn)).not.toBe(current);
      await calls('old', 3);
      await migration.up(runner);
      expect(await sourceOf(owner, fn)).toBe(current);
      await calls('again', 6);
      for (const s of streams) {
        const keys = ['new', 'old', 'again'].flatMap((round) => ['a', 'b', 'c'].map((k) => `${s}-${round}-${k}`));
        expect((await store.readStream(s)).map((e) => e.idempotencyKey)).toEqual(keys);
      }
      expect(await store.verify()).toEqual([]);
    } finally {
      await owner.query(`DROP FUNCTION IF EXISTS ${APPEND_SIGNATURE}`);
      for (const { def } of installed) await owner.query(def);
      await owner.end();
    }
  });
});
