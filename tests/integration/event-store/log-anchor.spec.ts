import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import { formatAnchor, PostgresEventStore, type LogAnchor } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

const occurredAt = new Date(Date.UTC(2014, 8, 19));

describe("event store: the log's anchor tells what its chains cannot", () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  const facts = (s: number, n: number) => Array.from({ length: n }, (_, i) => ({ type: 'fact', data: { s, i }, occurredAt }));

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
    for (let s = 0; s < 3; s++) await store.append(`chain-${s}`, facts(s, 5), { expectedVersion: 'no-stream' });
  });
  afterAll(() => db.drop());

  async function asSuperuser(sql: string): Promise<void> {
    const client = new Client({ connectionString: db.adminUrl });
    await client.connect();
    try {
      await client.query(`SET session_replication_role = replica; ${sql}; SET session_replication_role = origin;`);
    } finally {
      await client.end();
    }
  }

  /** `annals verify --anchor <anchor>`. */
  function verifyCli(anchor: LogAnchor) {
    return spawnSync(process.execPath, [join(__dirname, '../../../bin/annals.js'), 'verify', '--anchor', formatAnchor(anchor), '--database-url', db.appUrl], { encoding: 'utf8', timeout: 60_000 });
  }

  async function anchorNow(): Promise<LogAnchor> {
    const anchor = await store.logAnchor();
    expect(anchor).toBeDefined();
    return anchor!;
  }

  it('holds while the log grows after it, and covers only transactions that had ended', async () => {
    const anchor = await anchorNow();
    expect(anchor.events).toBe(15);
    // a writer's transaction still open: what commits after it started is above the horizon
    const holder = new Client({ connectionString: db.appUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      await store.append('chain-3', facts(3, 4), { expectedVersion: 'no-stream' });
      expect((await anchorNow()).events).toBe(15);
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    expect((await anchorNow()).events).toBe(19);
    expect(await store.logDigest(anchor)).toEqual({ events: anchor.events, digest: anchor.digest });
    const cli = verifyCli(anchor);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`the log up to the anchor (transaction ${anchor.transactionId}, position ${anchor.position}) is as it was: 15 events, the same digest`);
    expect(cli.stdout).toMatch(/^anchor: v1:\d+:\d+:19:[0-9a-f]{64}$/m);
  });

  it("finds a stream's last events removed with its head moved back, which leaves every chain intact", async () => {
    const anchor = await anchorNow();
    const events = await store.readStream('chain-0');
    await asSuperuser(
      `DELETE FROM event_store.events WHERE stream_id = 'chain-0' AND stream_version > 3;
       UPDATE event_store.streams SET version = 3, head_hash = (SELECT hash FROM event_store.events WHERE position = ${events[2]!.position}) WHERE stream_id = 'chain-0'`,
    );
    expect(await store.verify()).toEqual([]);
    expect((await store.logDigest(anchor)).events).toBe(anchor.events - 2);
    const cli = verifyCli(anchor);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain(`ALTERED: the log up to the anchor (transaction ${anchor.transactionId}, position ${anchor.position}) is not what it was: ${anchor.events} events then, ${anchor.events - 2} now`);
  });

  it('finds an event rewritten with its whole chain recomputed, which leaves every chain intact', async () => {
    const anchor = await anchorNow();
    await asSuperuser(`DO $$
      DECLARE r record; previous bytea;
      BEGIN
        FOR r IN SELECT * FROM event_store.events WHERE stream_id = 'chain-1' ORDER BY stream_version LOOP
          IF r.stream_version = 2 THEN r.payload := '{"forged":true}'::json; END IF;
          previous := event_store.event_hash(previous, r.position, r.stream_id, r.stream_version, r.event_type, r.schema_version,
                                             r.payload, r.metadata, r.occurred_at, r.recorded_at, r.idempotency_key);
          UPDATE event_store.events SET payload = r.payload, hash = previous WHERE position = r.position;
        END LOOP;
        UPDATE event_store.streams SET head_hash = previous WHERE stream_id = 'chain-1';
      END $$`);
    expect(await store.verify()).toEqual([]);
    const now = await store.logDigest(anchor);
    expect(now.events).toBe(anchor.events);
    expect(now.digest).not.toBe(anchor.digest);
    const cli = verifyCli(anchor);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain(`is not what it was: ${anchor.events} events then, ${anchor.events} now, and their digest differs`);
  });

  it("audit (annals verify) reads one snapshot: its anchor never vouches for an event it did not check", async () => {
    const before = await store.audit();
    // a pool whose statements, once event_store.verify() has answered, wait while another writer
    // appends to the log and an intruder rewrites what it appended: the moment between
    // checking the chains and taking the anchor
    const watched = db.appPool({ max: 2 });
    let struck = false;
    const strike = async (text: unknown): Promise<void> => {
      if (struck || typeof text !== 'string' || !text.includes('event_store.verify()')) return;
      struck = true;
      await store.append('late-0', facts(9, 3), { expectedVersion: 'no-stream' });
      await asSuperuser(`UPDATE event_store.events SET payload = '{"forged":true}'::json WHERE stream_id = 'late-0' AND stream_version = 2`);
    };
    // every connection of the pool, in both of pg's forms of query (the pool's own query passes a callback)
    watched.on('connect', (client) => {
      const own = client.query.bind(client) as (...args: unknown[]) => unknown;
      Object.assign(client, {
        query: (...args: unknown[]) => {
          const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
          const last = args.at(-1);
          if (typeof last === 'function') {
            const done = last as (error: unknown, result?: unknown) => void;
            return own(...args.slice(0, -1), (error: unknown, result: unknown) => void strike(text).then(() => done(error, result), done));
          }
          return (own(...args) as Promise<unknown>).then(async (result) => (await strike(text), result));
        },
      });
    });
    try {
      const during = await new PostgresEventStore(watched).audit();
      expect(struck).toBe(true);
      // what it checked, counted and anchored is the log as it was when it began
      expect(during.problems).toEqual(before.problems);
      expect(during.events).toBe(before.events);
      expect(during.anchor!.events).toBe(before.events);
      expect(during.anchor).toEqual(before.anchor);
    } finally {
      await watched.end();
    }
    // the next audit reads the forged event, and its anchor covers it only alongside the problem
    const after = await store.audit();
    expect(after.events).toBe(before.events + 3);
    expect(after.problems.map((p) => [p.streamId, p.streamVersion])).toContainEqual(['late-0', 2]);
  });

  it('an anchor that is not one is refused, naming the option, before anything is read', () => {
    const cli = spawnSync(process.execPath, [join(__dirname, '../../../bin/annals.js'), 'verify', '--anchor', 'v1:1:2:3:abc', '--database-url', 'postgres://nobody:x@127.0.0.1:1/annals'], { encoding: 'utf8', timeout: 60_000 });
    expect(cli.status).toBe(1);
    expect(cli.stderr.trim()).toBe('annals: --anchor: is not an anchor that annals verify printed (v1:<transaction id>:<position>:<events>:<64 hex digits>), got "v1:1:2:3:abc"');
  });
});
