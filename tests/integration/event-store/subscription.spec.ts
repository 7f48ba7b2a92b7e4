import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import { PostgresEventStore, Subscription } from '@annals/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@annals/testing';

const SUBSCRIBER = join(__dirname, '../../support/processes/subscriber-process.ts');

function startSubscriber(db: TestDatabase, id: string): ChildProcess {
  return spawn(process.execPath, ['-r', '@swc-node/register', SUBSCRIBER], {
    env: { ...process.env, TEST_DATABASE_URL: db.appUrl, SUBSCRIPTION_ID: id, BATCH_SIZE: '50', HANDLER_DELAY_MS: '30' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

describe('event store: subscriptions', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 8 });
    store = new PostgresEventStore(pool);
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    // The handler's own table: its primary key makes a double delivery fail loudly.
    await owner.query('CREATE TABLE delivered (subscription text NOT NULL, position bigint NOT NULL, PRIMARY KEY (subscription, position))');
    await owner.query('GRANT SELECT, INSERT ON delivered TO annals_writer');
    await owner.end();
  });
  afterAll(() => db.drop());

  const delivered = async (subscription: string) =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM delivered WHERE subscription = $1', [subscription])).rows[0]!.n;

  it('catches up, then follows live appends woken by NOTIFY', async () => {
    for (let i = 0; i < 30; i++) await store.append(`live-${i % 3}`, [{ type: 'n', data: { i } }], { expectedVersion: 'any' });
    const seen: number[] = [];
    const subscription = new Subscription(pool, store, {
      subscriptionId: 'live',
      batchSize: 10,
      pollIntervalMs: 60_000, // only NOTIFY can wake it in time
      handler: async (events, tx) => {
        for (const e of events) await tx.query('INSERT INTO delivered (position, subscription) VALUES ($1, $2)', [e.position, 'live']);
        seen.push(...events.map((e) => (e.data as { i: number }).i));
      },
    });
    subscription.start();
    await eventually('catch-up', async () => (seen.length === 30 ? true : undefined));
    for (let i = 30; i < 40; i++) await store.append(`live-${i % 3}`, [{ type: 'n', data: { i } }], { expectedVersion: 'any' });
    await eventually('live events', async () => (seen.length === 40 ? true : undefined), 10_000);
    await subscription.stop();
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(subscription.status().state).toBe('stopped');
  });

  it('a subscriber process killed (SIGKILL) mid-batch resumes from its stored checkpoint: every event applied exactly once', async () => {
    const total = 600;
    for (let i = 0; i < total; i += 20) {
      await store.append(`kill-${(i / 20) % 5}`, Array.from({ length: 20 }, (_, k) => ({ type: 'n', data: { i: i + k } })), { expectedVersion: 'any' });
    }
    const before = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;
    for (let kill = 0; kill < 4; kill++) {
      const child = startSubscriber(db, 'killed');
      const target = Math.min(before, (kill + 1) * 100);
      await eventually('progress before the kill', async () => ((await delivered('killed')) >= target - 60 ? true : undefined));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const last = startSubscriber(db, 'killed');
    try {
      await eventually('all events', async () => ((await delivered('killed')) === before ? true : undefined));
    } finally {
      last.kill('SIGTERM');
      await new Promise((r) => last.once('exit', r));
    }
    const { rows } = await pool.query<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT d.position)::int AS distinct FROM delivered d JOIN event_store.events e USING (position) WHERE subscription = 'killed'`,
    );
    expect(rows[0]).toEqual({ n: before, distinct: before });
  });

  it('catching up, each batch starts at the checkpoint as stored, even when it was moved while the batch before was handled', async () => {
    // Catching up, the next batch is read ahead while one is handled; a rewind (an operator
    // replaying the subscription) must win over that read.
    for (let i = 0; i < 30; i++) await store.append(`rewind-${i % 3}`, [{ type: 'n', data: { i } }], { expectedVersion: 'any' });
    const batches: number[][] = [];
    const operator = new Client({ connectionString: db.appUrl });
    await operator.connect();
    const operatorPid = (await operator.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    let rewound: Promise<unknown> | undefined;
    // The batch after the second takes its connection only once the rewind has ended: the rewind
    // waits on the second batch's lock, and when that batch commits PostgreSQL does not say
    // whether the rewind or the third batch's lock goes first (on a slow machine the third batch
    // won, and the rewind landed a batch later).
    const gated = new Proxy(pool, {
      get: (target, property) =>
        property === 'connect'
          ? async () => {
              if (batches.length === 2) await rewound;
              return target.connect();
            }
          : Reflect.get(target, property, target),
    });
    const subscription = new Subscription(gated, store, {
      subscriptionId: 'rewind',
      batchSize: 10,
      pollIntervalMs: 60_000,
      handler: async (events) => {
        batches.push(events.map((e) => e.position));
        // (the first batch creates the checkpoint row; the second one's lock is a row to wait for)
        if (batches.length !== 2) return;
        // queued behind this batch's lock on the checkpoint row: it moves the checkpoint back to
        // the start as soon as this batch commits, before the next batch locks the row
        rewound = operator.query("UPDATE event_store.checkpoints SET transaction_id = '0', position = 0 WHERE subscription_id = 'rewind'");
        await eventually('the rewind waits for the batch', async () => {
          // the operator's own session: another test's session waiting on a lock must not count
          const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [operatorPid]);
          return rows[0]!.n === 1 ? true : undefined;
        });
      },
    });
    try {
      subscription.start();
      await eventually('three batches', async () => (batches.length >= 3 ? true : undefined));
      await subscription.stop();
      await rewound;
    } finally {
      await operator.end();
    }
    expect(batches[0]).toHaveLength(10);
    expect(batches[1]![0]).toBeGreaterThan(batches[0]![9]!);
    expect(batches[2]).toEqual(batches[0]);
  });

  it('with two exclusive instances, one works and the other takes over when its session dies', async () => {
    await store.append('takeover', [{ type: 'n', data: {} }], { expectedVersion: 'any' });
    const make = (name: string, log: string[]) =>
      new Subscription(pool, store, {
        subscriptionId: 'exclusive',
        exclusive: true,
        pollIntervalMs: 100,
        handler: async (events) => {
          log.push(...events.map(() => name));
        },
      });
    const a: string[] = [];
    const b: string[] = [];
    const first = make('first', a);
    first.start();
    await eventually('first instance takes the lock', async () => (first.status().state === 'live' ? true : undefined));
    const second = make('second', b);
    second.start();
    await eventually('second instance waits', async () => (second.status().state === 'waiting-for-lock' ? true : undefined));
    await first.stop(); // its session ends: the lock is free
    await eventually('second takes over', async () => (second.status().state === 'live' ? true : undefined));
    await store.append('takeover', [{ type: 'n', data: {} }], { expectedVersion: 'any' });
    await eventually('second delivers', async () => (b.length > 0 ? true : undefined));
    await second.stop();
    expect(a.length + b.length).toBe((await store.readAll(undefined, 1_000_000)).events.length);
  });

  it("a subscription that reads cores delivers each event's core as the whole read has it, and none of its envelope", async () => {
    for (let i = 0; i < 25; i++) {
      await store.append(`cores-${i % 4}`, [{ type: 'n', data: { i }, metadata: { correlationId: `c-${i}` }, occurredAt: new Date(Date.UTC(2014, 8, 19)), idempotencyKey: `cores-${i}` }], {
        expectedVersion: 'any',
      });
    }
    const whole = (await store.readAll(undefined, 1_000_000)).events;
    const cores: Array<Record<string, unknown>> = [];
    const subscription = new Subscription(pool, store, {
      subscriptionId: 'cores',
      read: 'cores',
      batchSize: 7, // full batches: the next one is read ahead, in the same form
      handler: async (events) => {
        cores.push(...events);
      },
    });
    subscription.start();
    await eventually('every event', async () => (cores.length === whole.length ? true : undefined));
    await subscription.stop();
    const core = ({ position, transactionId, streamId, streamVersion, type, schemaVersion, storedSchemaVersion, data, recordedAt }: (typeof whole)[number]) =>
      ({ position, transactionId, streamId, streamVersion, type, schemaVersion, storedSchemaVersion, data, recordedAt });
    expect(cores).toEqual(whole.map(core));
    for (const e of cores) for (const envelope of ['metadata', 'hash', 'occurredAt', 'idempotencyKey']) expect(e).not.toHaveProperty(envelope);
  });
});
