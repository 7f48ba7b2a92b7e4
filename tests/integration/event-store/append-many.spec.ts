import type { Pool } from 'pg';
import { AppendBatcher, ConcurrencyError, InvalidAppendError, PostgresEventStore, type AppendResult } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

describe('event store: appends to many streams in one call', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 8 });
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  const event = (key: string) => ({ type: 'reported', data: { key }, idempotencyKey: key });
  const stored = async (streamId: string) => (await store.readStream(streamId)).map((e) => e.idempotencyKey);

  it('writes every stream as append would, answering each request in its own event order', async () => {
    await store.append('many-b', [event('b-1')], { expectedVersion: 'no-stream' });
    const results = await store.appendMany([
      { streamId: 'many-c', events: [event('c-1'), event('c-2')], options: { expectedVersion: 'no-stream' } },
      { streamId: 'many-b', events: [event('b-2'), event('b-3'), event('b-4')], options: { expectedVersion: 1 } },
      { streamId: 'many-a', events: [event('a-1')], options: { expectedVersion: 'any' } },
    ]);
    const [c, b, a] = results as AppendResult[];
    expect(c!.events.map((e) => [e.idempotencyKey, e.streamId, e.streamVersion, e.duplicate])).toEqual([
      ['c-1', 'many-c', 1, false],
      ['c-2', 'many-c', 2, false],
    ]);
    expect(b!.events.map((e) => [e.idempotencyKey, e.streamVersion])).toEqual([
      ['b-2', 2],
      ['b-3', 3],
      ['b-4', 4],
    ]);
    expect(b!.nextExpectedVersion).toBe(4);
    expect(a!.events.map((e) => e.streamVersion)).toEqual([1]);
    expect(await stored('many-b')).toEqual(['b-1', 'b-2', 'b-3', 'b-4']);
    // positions grow with versions within a stream, and every hash chains
    expect(b!.events[1]!.position).toBeGreaterThan(b!.events[0]!.position);
    expect(await store.verify()).toEqual([]);
  });

  // A call of one event sends its payload and metadata as scalars (append_one), a call of more as
  // one JSON document each, unpacked by the call: every document must land on its own event.
  it.each([1, 2, 7, 60, 130])('a call of %i events stores each payload and metadata on its own event', async (count) => {
    const tricky = (i: number) => ({ i, text: `quote " backslash \\ ${'\u00e9'} \u2028 ${'{'.repeat(i % 3)}`, list: [i, `${i}`] });
    const events = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ type: 'reported', data: tricky(i), metadata: { correlationId: `${prefix}-${i}`, n: i }, idempotencyKey: `${prefix}-${count}-${i}` }));
    const check = async (streamId: string, prefix: string, n: number) => {
      const read = await store.readStream(streamId);
      expect(read.map((e) => [e.idempotencyKey, e.data, e.metadata])).toEqual(
        events(prefix, n).map((e) => [e.idempotencyKey, e.data, e.metadata]),
      );
    };
    await store.append(`forms-one-${count}`, events('one', count), { expectedVersion: 'no-stream' });
    await check(`forms-one-${count}`, 'one', count);
    const half = Math.ceil(count / 2);
    await store.appendMany([
      { streamId: `forms-x-${count}`, events: events('x', half), options: { expectedVersion: 'no-stream' } },
      { streamId: `forms-y-${count}`, events: events('y', count - half + 1), options: { expectedVersion: 'no-stream' } },
    ]);
    await check(`forms-x-${count}`, 'x', half);
    await check(`forms-y-${count}`, 'y', count - half + 1);
    expect(await store.verify()).toEqual([]);
  });

  it('a stream at another version comes back as a ConcurrencyError and nothing of it is written; the others are', async () => {
    await store.append('many-stale', [event('s-1'), event('s-2')], { expectedVersion: 'no-stream' });
    const [stale, fresh] = await store.appendMany([
      { streamId: 'many-stale', events: [event('s-3')], options: { expectedVersion: 1 } },
      { streamId: 'many-fresh', events: [event('f-1')], options: { expectedVersion: 'no-stream' } },
    ]);
    expect(stale).toBeInstanceOf(ConcurrencyError);
    expect((stale as ConcurrencyError).actualVersion).toBe(2);
    expect(await stored('many-stale')).toEqual(['s-1', 's-2']);
    expect((fresh as AppendResult).events[0]!.duplicate).toBe(false);
    expect(await stored('many-fresh')).toEqual(['f-1']);
  });

  it('redelivered events succeed at a stale version, as with append; a stream-exists expectation on a new stream conflicts', async () => {
    await store.append('many-redeliver', [event('r-1')], { expectedVersion: 'no-stream' });
    await store.append('many-redeliver', [event('r-2')], { expectedVersion: 1 });
    const [again, missing] = await store.appendMany([
      { streamId: 'many-redeliver', events: [event('r-1')], options: { expectedVersion: 'no-stream' } },
      { streamId: 'many-missing', events: [event('m-1')], options: { expectedVersion: 'stream-exists' } },
    ]);
    expect((again as AppendResult).events[0]).toMatchObject({ idempotencyKey: 'r-1', streamVersion: 1, duplicate: true });
    expect(missing).toBeInstanceOf(ConcurrencyError);
    expect((missing as ConcurrencyError).actualVersion).toBe(0);
    expect(await stored('many-missing')).toEqual([]);
  });

  it('a call of new keys only: events chain onto each stream\'s head in call order; expectations on missing streams conflict without creating them', async () => {
    await store.append('many-plain-a', [event('pa-1')], { expectedVersion: 'no-stream' });
    const results = await store.appendMany([
      { streamId: 'many-plain-b', events: [event('pb-1'), event('pb-2'), event('pb-3')], options: { expectedVersion: 'no-stream' } },
      { streamId: 'many-plain-gone', events: [event('pg-1')], options: { expectedVersion: 'stream-exists' } },
      { streamId: 'many-plain-a', events: [event('pa-2'), event('pa-3')], options: { expectedVersion: 1 } },
      { streamId: 'many-plain-ghost', events: [event('ph-1')], options: { expectedVersion: 3 } },
    ]);
    const [b, gone, a, ghost] = results;
    expect((b as AppendResult).events.map((e) => [e.idempotencyKey, e.streamVersion])).toEqual([
      ['pb-1', 1],
      ['pb-2', 2],
      ['pb-3', 3],
    ]);
    expect((a as AppendResult).events.map((e) => [e.idempotencyKey, e.streamVersion])).toEqual([
      ['pa-2', 2],
      ['pa-3', 3],
    ]);
    expect((a as AppendResult).nextExpectedVersion).toBe(3);
    for (const missing of [gone, ghost]) {
      expect(missing).toBeInstanceOf(ConcurrencyError);
      expect((missing as ConcurrencyError).actualVersion).toBe(0);
    }
    const { rows } = await pool.query('SELECT stream_id FROM event_store.streams WHERE stream_id = ANY($1)', [['many-plain-gone', 'many-plain-ghost']]);
    expect(rows).toEqual([]);
    expect(await stored('many-plain-a')).toEqual(['pa-1', 'pa-2', 'pa-3']);
    expect(await store.streamVersion('many-plain-b')).toBe(3);
    // the heads moved to the last events, and every link recomputes
    const next = await store.appendMany([{ streamId: 'many-plain-b', events: [event('pb-4')], options: { expectedVersion: 3 } }]);
    expect((next[0] as AppendResult).events[0]!.streamVersion).toBe(4);
    expect(await store.verify()).toEqual([]);
  });

  it('refuses a call naming a stream twice or a malformed stream id, writing nothing', async () => {
    await expect(
      store.appendMany([
        { streamId: 'many-twice', events: [event('t-1')], options: { expectedVersion: 'any' } },
        { streamId: 'many-twice', events: [event('t-2')], options: { expectedVersion: 'any' } },
      ]),
    ).rejects.toThrow(InvalidAppendError);
    await expect(
      store.appendMany([
        { streamId: 'many-ok', events: [event('o-1')], options: { expectedVersion: 'any' } },
        { streamId: 'bad stream id', events: [event('o-2')], options: { expectedVersion: 'any' } },
      ]),
    ).rejects.toThrow(/stream id "bad stream id" must match/);
    expect(await stored('many-twice')).toEqual([]);
    expect(await stored('many-ok')).toEqual([]);
  });

  it('two writers with overlapping streams in opposite orders neither deadlock nor lose an event', async () => {
    const streams = Array.from({ length: 20 }, (_, i) => `many-race-${String(i).padStart(2, '0')}`);
    const call = (writer: string, order: string[]) =>
      store.appendMany(order.map((streamId) => ({ streamId, events: [event(`${writer}-${streamId}`)], options: { expectedVersion: 'any' as const } })));
    for (let round = 0; round < 5; round++) {
      await Promise.all([call(`w1-${round}`, streams), call(`w2-${round}`, [...streams].reverse())]);
    }
    for (const streamId of streams) expect(await stored(streamId)).toHaveLength(10);
    expect(await store.verify()).toEqual([]);
  });

  it('four writers, calls over shared streams in random orders, streams created as they go: no deadlock, versions 1..n, every chain verifies', async () => {
    const streams = Array.from({ length: 30 }, (_, i) => `many-mesh-${String(i).padStart(2, '0')}`);
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const writer = async (w: number) => {
      for (let c = 0; c < 15; c++) {
        const picked = streams.filter(() => random() < 0.5).sort(() => random() - 0.5);
        if (picked.length === 0) continue;
        const results = await store.appendMany(
          picked.map((streamId, i) => ({
            streamId,
            events: Array.from({ length: 1 + (i % 3) }, (_, k) => event(`mesh-${w}-${c}-${streamId}-${k}`)),
            options: { expectedVersion: 'any' as const },
          })),
        );
        expect(results.filter((r) => r instanceof ConcurrencyError)).toEqual([]);
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    for (const streamId of streams) {
      const versions = (await store.readStream(streamId)).map((e) => e.streamVersion);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
      expect(await store.streamVersion(streamId)).toBe(versions.length);
    }
    expect(await store.verify()).toEqual([]);
  });

  it('AppendBatcher: appends of one tick share a call, keep per-stream order, and report conflicts per stream', async () => {
    const batcher = new AppendBatcher(store);
    await store.append('batch-stale', [event('bs-1')], { expectedVersion: 'no-stream' });
    const calls = jest.spyOn(store, 'appendMany');
    const single = jest.spyOn(store, 'appendAlone');
    const settled = await Promise.allSettled([
      batcher.append('batch-x', [event('bx-1')], { expectedVersion: 'no-stream' }),
      batcher.append('batch-y', [event('by-1')], { expectedVersion: 'no-stream' }),
      // the same stream again in the same tick: after the first, with the version it leaves
      batcher.append('batch-x', [event('bx-2')], { expectedVersion: 1 }),
      batcher.append('batch-stale', [event('bs-2')], { expectedVersion: 'no-stream' }),
    ]);
    const callCount = calls.mock.calls.length;
    const singleCount = single.mock.calls.length;
    calls.mockRestore();
    single.mockRestore();
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((settled[3] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    expect(await stored('batch-x')).toEqual(['bx-1', 'bx-2']);
    expect(await stored('batch-y')).toEqual(['by-1']);
    // one call for the first append of each stream; batch-x's second, alone in its call, goes as appendAlone
    expect(callCount).toBe(1);
    expect(singleCount).toBe(1);
  });

  it('AppendBatcher: an append PostgreSQL refuses fails alone; the others of its call are stored', async () => {
    const batcher = new AppendBatcher(store);
    const tooLong = 'k'.repeat(300); // the events table's CHECK allows 256 characters
    const settled = await Promise.allSettled([
      batcher.append('batch-fine-1', [event('bf1-1')], { expectedVersion: 'no-stream' }),
      batcher.append('batch-refused', [event('br-1'), event(tooLong)], { expectedVersion: 'no-stream' }),
      batcher.append('batch-fine-2', [event('bf2-1'), event('bf2-2')], { expectedVersion: 'no-stream' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason.message)).toMatch(/idempotency_key/);
    expect(await stored('batch-fine-1')).toEqual(['bf1-1']);
    expect(await stored('batch-fine-2')).toEqual(['bf2-1', 'bf2-2']);
    // nothing of the refused append, not even its valid first event or its stream
    expect(await stored('batch-refused')).toEqual([]);
    expect((await pool.query(`SELECT 1 FROM event_store.streams WHERE stream_id = 'batch-refused'`)).rowCount).toBe(0);
    expect(await store.verify()).toEqual([]);
  });

  it('AppendBatcher: an append with an expected version that is not one fails alone, naming its stream; the others of its call are stored', async () => {
    const batcher = new AppendBatcher(store);
    const settled = await Promise.allSettled([
      batcher.append('expect-fine-1', [event('ef1-1')], { expectedVersion: 'no-stream' }),
      batcher.append('expect-bad', [event('eb-1')], { expectedVersion: 2.5 }),
      batcher.append('expect-fine-2', [event('ef2-1')], { expectedVersion: 'any' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const { reason } = settled[1] as PromiseRejectedResult;
    expect(reason).toBeInstanceOf(InvalidAppendError);
    expect(reason.message).toBe(`stream "expect-bad": expectedVersion must be a non-negative integer, 'no-stream', 'stream-exists' or 'any'; got 2.5`);
    expect(await stored('expect-fine-1')).toEqual(['ef1-1']);
    expect(await stored('expect-fine-2')).toEqual(['ef2-1']);
    expect(await stored('expect-bad')).toEqual([]);
  });

  it('AppendBatcher: an append whose data JSON cannot hold fails alone, naming its event; the others of its call are stored', async () => {
    const batcher = new AppendBatcher(store);
    const settled = await Promise.allSettled([
      batcher.append('json-fine-1', [event('jf1-1')], { expectedVersion: 'no-stream' }),
      batcher.append('json-bad', [event('jb-1'), { type: 'reported', data: { count: 10n }, idempotencyKey: 'jb-2' }], { expectedVersion: 'no-stream' }),
      batcher.append('json-fine-2', [event('jf2-1'), event('jf2-2')], { expectedVersion: 'no-stream' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const { reason } = settled[1] as PromiseRejectedResult;
    expect(reason).toBeInstanceOf(InvalidAppendError);
    expect(reason.message).toBe('stream "json-bad", event 2: data is not JSON: Do not know how to serialize a BigInt');
    expect(await stored('json-fine-1')).toEqual(['jf1-1']);
    expect(await stored('json-fine-2')).toEqual(['jf2-1', 'jf2-2']);
    expect(await stored('json-bad')).toEqual([]);
  });
});
