import type { Pool } from 'pg';
import { EventTypeRegistry, loadAggregate, PostgresEventStore, type StoredEvent } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

describe('event store: schema evolution and aggregate time travel', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
  });
  afterAll(() => db.drop());

  // v1 stored a name as one string; v2 splits it; v3 adds a default for a new field.
  const registry = () =>
    new EventTypeRegistry().register({
      type: 'person.named',
      currentVersion: 3,
      upcasters: {
        1: (d) => {
          const [first, ...rest] = String((d as { name: string }).name).split(' ');
          return { first, last: rest.join(' ') };
        },
        2: (d) => ({ ...(d as object), title: null }),
      },
    });

  it('events stored at every older schema version are read back in the current shape', async () => {
    const oldWriter = new PostgresEventStore(pool); // a writer from before the registry knew v2 and v3
    await oldWriter.append('person-1', [{ type: 'person.named', schemaVersion: 1, data: { name: 'Sergey Viktorovich Lavrov' } }], { expectedVersion: 'no-stream' });
    await oldWriter.append('person-1', [{ type: 'person.named', schemaVersion: 2, data: { first: 'Vladimir', last: 'Putin' } }], { expectedVersion: 1 });
    const store = new PostgresEventStore(pool, registry());
    await store.append('person-1', [{ type: 'person.named', data: { first: 'Barack', last: 'Obama', title: 'President' } }], { expectedVersion: 2 });

    const events = await store.readStream('person-1');
    expect(events.map((e) => [e.storedSchemaVersion, e.schemaVersion, e.data])).toEqual([
      [1, 3, { first: 'Sergey', last: 'Viktorovich Lavrov', title: null }],
      [2, 3, { first: 'Vladimir', last: 'Putin', title: null }],
      [3, 3, { first: 'Barack', last: 'Obama', title: 'President' }],
    ]);
  });

  it('a registry missing an upcaster is refused when it is built', () => {
    expect(() => new EventTypeRegistry().register({ type: 'x', currentVersion: 2 })).toThrow(/no upcaster from version 1/);
  });

  it('an event stored at a version newer than the reader knows is an error that says so', async () => {
    const store = new PostgresEventStore(pool, registry());
    await new PostgresEventStore(pool).append('person-9', [{ type: 'person.named', schemaVersion: 4, data: {} }], { expectedVersion: 'any' });
    await expect(store.readStream('person-9')).rejects.toThrow(/schema version 4, newer than this code knows \(3\)/);
  });

  it('loads a stream as of a version and as of a recorded-at instant', async () => {
    const store = new PostgresEventStore(pool);
    const evolve = (total: number, e: StoredEvent) => total + (e.data as { amount: number }).amount;
    await store.append('account-1', [{ type: 'added', data: { amount: 10 } }], { expectedVersion: 'no-stream' });
    // a Date holds milliseconds: read the instant well after the first append's, or its truncation could precede it
    await new Promise((r) => setTimeout(r, 5));
    const [{ now: between }] = (await pool.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows as [{ now: Date }];
    await new Promise((r) => setTimeout(r, 20));
    await store.append('account-1', [{ type: 'added', data: { amount: 5 } }, { type: 'added', data: { amount: 100 } }], { expectedVersion: 1 });

    expect(await loadAggregate(store, 'account-1', evolve, 0)).toEqual({ state: 115, version: 3 });
    expect(await loadAggregate(store, 'account-1', evolve, 0, { version: 2 })).toEqual({ state: 15, version: 2 });
    expect(await loadAggregate(store, 'account-1', evolve, 0, { recordedAt: between })).toEqual({ state: 10, version: 1 });
  });
});
