import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

describe('event store: append-only and tamper-evident', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    store = new PostgresEventStore(pool);
    for (let s = 0; s < 3; s++) {
      await store.append(
        `chain-${s}`,
        Array.from({ length: 5 }, (_, i) => ({ type: 'fact', data: { s, i, text: 'caf\u00e9 "quoted" \u2603' }, occurredAt: new Date(Date.UTC(2014, 8, 19)) })),
        { expectedVersion: 'no-stream' },
      );
    }
  });
  afterAll(() => db.drop());

  async function asRole(url: string, sql: string): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  it.each([
    ['UPDATE', `UPDATE event_store.events SET payload = '{}'`],
    ['DELETE', `DELETE FROM event_store.events`],
    ['TRUNCATE', `TRUNCATE event_store.events`],
  ])('%s on the events table fails for the application role and for the owner', async (_verb, sql) => {
    await expect(asRole(db.appUrl, sql)).rejects.toThrow(/permission denied/);
    await expect(asRole(db.ownerUrl, sql)).rejects.toThrow(/append-only/);
  });

  it('an intact log verifies', async () => {
    expect(await store.verify()).toEqual([]);
  });

  it('a payload changed by a superuser behind the triggers is found at its position', async () => {
    const target = (await store.readStream('chain-1'))[2]!;
    await asRole(
      db.adminUrl,
      `SET session_replication_role = replica; UPDATE event_store.events SET payload = '{"s":1,"i":2,"text":"forged"}' WHERE position = ${target.position}; SET session_replication_role = origin;`,
    );
    const problems = await store.verify();
    expect(problems[0]).toMatchObject({ position: target.position, streamId: 'chain-1', streamVersion: 3 });
    expect(problems[0]!.problem).toMatch(/hash mismatch/);
    // and `annals verify` says so, exiting 1
    const cli = spawnSync(process.execPath, [join(__dirname, '../../../bin/annals.js'), 'verify', '--database-url', db.appUrl], { encoding: 'utf8', timeout: 60_000 });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(new RegExp(`ALTERED: first broken link at position ${target.position} \\(stream chain-1, version 3\\): hash mismatch`));
  });

  it('a forger who also recomputes the changed event\'s hash breaks the next link', async () => {
    const events = await store.readStream('chain-2');
    const target = events[1]!;
    await asRole(
      db.adminUrl,
      `SET session_replication_role = replica;
       UPDATE event_store.events e SET payload = '{"forged":true}',
              hash = event_store.event_hash(p.hash, e.position, e.stream_id, e.stream_version, e.event_type, e.schema_version,
                                            '{"forged":true}'::json, e.metadata, e.occurred_at, e.recorded_at, e.idempotency_key)
         FROM event_store.events p
        WHERE e.position = ${target.position} AND p.stream_id = e.stream_id AND p.stream_version = e.stream_version - 1;
       SET session_replication_role = origin;`,
    );
    const problems = await store.verify();
    expect(problems.map((p) => p.position)).toContain(events[2]!.position);
  });

  it('a deleted event is found as a missing version', async () => {
    const events = await store.readStream('chain-0');
    await asRole(db.adminUrl, `SET session_replication_role = replica; DELETE FROM event_store.events WHERE position = ${events[4]!.position}; SET session_replication_role = origin;`);
    const problems = await store.verify();
    expect(problems.find((p) => p.streamId === 'chain-0')?.problem).toMatch(/stream head says version 5, the last stored event is 4/);
  });
});
