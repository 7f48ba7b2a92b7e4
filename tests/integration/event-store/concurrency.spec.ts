import type { Pool } from 'pg';
import { ConcurrencyError, InvalidAppendError, PostgresEventStore } from '@annals/event-store';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

describe('event store: concurrent writers with expected versions', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool({ max: 10 });
    store = new PostgresEventStore(pool);
  });
  afterAll(() => db.drop());

  it('8 writers x 500 appends to 20 streams leave versions 1..n per stream and an exact total, with no position gap', async () => {
    const streams = Array.from({ length: 20 }, (_, i) => `race-${i}`);
    let conflicts = 0;
    const writer = async (w: number) => {
      for (let i = 0; i < 500; i++) {
        const streamId = streams[(w * 7 + i * 13) % streams.length]!;
        let expected = await store.streamVersion(streamId);
        for (;;) {
          try {
            await store.append(streamId, [{ type: 'counted', data: { writer: w, n: i } }], { expectedVersion: expected === 0 ? 'no-stream' : expected });
            break;
          } catch (error) {
            if (!(error instanceof ConcurrencyError)) throw error;
            conflicts++;
            expected = error.actualVersion;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));

    const { rows } = await pool.query<{ stream_id: string; n: number; min: number; max: number; distinct_versions: number }>(
      `SELECT stream_id, count(*)::int AS n, min(stream_version)::int AS min, max(stream_version)::int AS max,
              count(DISTINCT stream_version)::int AS distinct_versions
         FROM event_store.events GROUP BY stream_id`,
    );
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(4000);
    for (const r of rows) {
      expect({ stream: r.stream_id, min: r.min, max: r.max, distinct: r.distinct_versions }).toEqual({ stream: r.stream_id, min: 1, max: r.n, distinct: r.n });
    }
    const heads = await pool.query<{ stream_id: string; version: number }>('SELECT stream_id, version FROM event_store.streams');
    for (const head of heads.rows) expect(head.version).toBe(rows.find((r) => r.stream_id === head.stream_id)!.n);
    // Losing writers were refused before taking a position: positions are exactly 1..4000.
    const positions = await pool.query<{ min: number; max: number; n: number }>('SELECT min(position) AS min, max(position) AS max, count(*)::int AS n FROM event_store.events');
    expect(positions.rows[0]).toEqual({ min: 1, max: 4000, n: 4000 });
    expect(conflicts).toBeGreaterThan(0);
    expect(await store.verify()).toEqual([]);
  });

  it('single-event appends, multi-event appends and appendMany racing on the same streams leave exact versions and no position gap', async () => {
    // A single-event append moves its stream's head in one UPDATE that takes the position inside;
    // the stream's write lock, which every kind of append takes first, keeps that UPDATE from
    // waiting on another writer's row lock (and taking a position it then throws away).
    const streams = Array.from({ length: 6 }, (_, i) => `mixed-${i}`);
    const before = (await pool.query<{ max: number }>('SELECT coalesce(max(position), 0) AS max FROM event_store.events')).rows[0]!.max;
    let written = 0;
    let conflicts = 0;
    const expectation = (version: number, i: number) => (i % 5 === 0 ? ('any' as const) : version === 0 ? ('no-stream' as const) : version);
    const writer = async (w: number) => {
      for (let i = 0; i < 120; i++) {
        const kind = (w + i) % 3;
        const picked = kind === 2 ? [streams[(w + i) % 6]!, streams[(w + 2 * i + 1) % 6]!].filter((s, k, all) => all.indexOf(s) === k) : [streams[(w * 5 + i) % 6]!];
        const sizes = picked.map(() => (kind === 0 ? 1 : 1 + ((w + i) % 3)));
        const versions = new Map<string, number>();
        for (const s of picked) versions.set(s, await store.streamVersion(s));
        const events = (s: string, k: number) => Array.from({ length: sizes[k]! }, (_, e) => ({ type: 'counted', data: { writer: w, n: i, e, s } }));
        for (let attempt = 0; picked.length > 0; attempt++) {
          if (kind < 2) {
            try {
              // a transaction of its own, so that append_one and append race append_many in PostgreSQL
              await store.appendAlone(picked[0]!, events(picked[0]!, 0), { expectedVersion: expectation(versions.get(picked[0]!)!, i + attempt) });
              written += sizes[0]!;
              picked.pop();
            } catch (error) {
              if (!(error instanceof ConcurrencyError)) throw error;
              conflicts++;
              versions.set(picked[0]!, error.actualVersion);
            }
          } else {
            const results = await store.appendMany(picked.map((s, k) => ({ streamId: s, events: events(s, k), options: { expectedVersion: expectation(versions.get(s)!, i + attempt) } })));
            for (let k = results.length - 1; k >= 0; k--) {
              const r = results[k]!;
              if (r instanceof ConcurrencyError) {
                conflicts++;
                versions.set(picked[k]!, r.actualVersion);
              } else {
                written += sizes[k]!;
                picked.splice(k, 1);
                sizes.splice(k, 1);
              }
            }
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));

    const { rows } = await pool.query<{ n: number; max: number; distinct_versions: number; version: number }>(
      `SELECT count(*)::int AS n, max(e.stream_version)::int AS max, count(DISTINCT e.stream_version)::int AS distinct_versions, s.version::int AS version
         FROM event_store.events e JOIN event_store.streams s USING (stream_id) WHERE e.stream_id LIKE 'mixed-%' GROUP BY e.stream_id, s.version`,
    );
    for (const r of rows) expect({ max: r.max, distinct: r.distinct_versions, head: r.version }).toEqual({ max: r.n, distinct: r.n, head: r.n });
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(written);
    const positions = await pool.query<{ min: number; max: number; n: number }>('SELECT min(position) AS min, max(position) AS max, count(*)::int AS n FROM event_store.events WHERE position > $1', [before]);
    expect(positions.rows[0]).toEqual({ min: before + 1, max: before + written, n: written });
    expect(conflicts).toBeGreaterThan(0);
    expect(await store.verify()).toEqual([]);
  });

  it('refuses each kind of wrong expectation with the actual version', async () => {
    await store.append('expect-1', [{ type: 'a', data: {} }], { expectedVersion: 'no-stream' });
    await expect(store.append('expect-1', [{ type: 'a', data: {} }], { expectedVersion: 'no-stream' })).rejects.toMatchObject({
      name: 'ConcurrencyError',
      actualVersion: 1,
    });
    await expect(store.append('expect-1', [{ type: 'a', data: {} }], { expectedVersion: 5 })).rejects.toMatchObject({ actualVersion: 1 });
    await expect(store.append('expect-2', [{ type: 'a', data: {} }], { expectedVersion: 'stream-exists' })).rejects.toMatchObject({ actualVersion: 0 });
    const ok = await store.append('expect-1', [{ type: 'a', data: {} }, { type: 'b', data: {} }], { expectedVersion: 'stream-exists' });
    expect(ok.nextExpectedVersion).toBe(3);
    const any = await store.append('expect-1', [{ type: 'c', data: {} }], { expectedVersion: 'any' });
    expect(any.events[0]!.streamVersion).toBe(4);
    // a refused append to a new stream leaves no stream row behind
    expect(await store.streamVersion('expect-2')).toBe(0);
    const { rowCount } = await pool.query("SELECT 1 FROM event_store.streams WHERE stream_id = 'expect-2'");
    expect(rowCount).toBe(0);
  });

  it('rejects malformed requests with a message naming the problem', async () => {
    await expect(store.append('bad stream id', [{ type: 'a', data: {} }], { expectedVersion: 'any' })).rejects.toThrow(/stream id "bad stream id"/);
    await expect(store.append('ok-stream', [], { expectedVersion: 'any' })).rejects.toThrow(/at least one event/);
    for (const expectedVersion of [-3, 1.5, Number.NaN]) {
      const refused = store.append('ok-stream', [{ type: 'a', data: {} }], { expectedVersion });
      await expect(refused).rejects.toThrow(InvalidAppendError);
      await expect(refused).rejects.toThrow(`stream "ok-stream": expectedVersion must be a non-negative integer, 'no-stream', 'stream-exists' or 'any'; got ${expectedVersion}`);
    }
    // values PostgreSQL could not take as the parameters' types, and data or metadata that JSON
    // cannot hold: refused before anything is sent, naming the stream, the event's place among its
    // events and the field, in calls of one event, of many, of many streams, and of enough events
    // to travel as one JSON document per column
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    const bad = [
      [{ type: 'a', data: {}, occurredAt: new Date('2014-02-30T25:00:00Z') }, 'occurredAt must be a valid Date, got Invalid Date'],
      [{ type: 'a', data: {}, schemaVersion: 1.5 }, 'schemaVersion must be an integer from 1 to 2147483647, got 1.5'],
      [{ type: 'a', data: { loop: cycle } }, 'data is not JSON: Converting circular structure to JSON'],
      [{ type: 'a', data: {}, metadata: { count: 10n } }, 'metadata is not JSON: Do not know how to serialize a BigInt'],
      [{ type: 'a', data: () => 'not data' }, 'data is not JSON: a function'],
    ] as const;
    const good = { type: 'a', data: {} };
    for (const [event, problem] of bad) {
      const refused = store.append('ok-stream', [event], { expectedVersion: 'any' });
      await expect(refused).rejects.toThrow(InvalidAppendError);
      await expect(refused).rejects.toThrow(`stream "ok-stream", event 1: ${problem}`);
      await expect(store.append('ok-stream', [good, event], { expectedVersion: 'any' })).rejects.toThrow(`stream "ok-stream", event 2: ${problem}`);
      const many = store.appendMany([
        { streamId: 'ok-stream', events: [good], options: { expectedVersion: 'any' } },
        { streamId: 'ok-other', events: [good, event], options: { expectedVersion: 'any' } },
      ]);
      await expect(many).rejects.toThrow(InvalidAppendError);
      await expect(many).rejects.toThrow(`stream "ok-other", event 2: ${problem}`);
      const large = [...Array.from({ length: 59 }, () => good), event];
      await expect(store.append('ok-stream', large, { expectedVersion: 'any' })).rejects.toThrow(`stream "ok-stream", event 60: ${problem}`);
    }
    expect(await store.streamVersion('ok-other')).toBe(0);
    expect(await store.streamVersion('ok-stream')).toBe(0);
  });

  it('stores a multi-event append atomically with consecutive versions and metadata', async () => {
    const result = await store.append(
      'batch-1',
      Array.from({ length: 100 }, (_, i) => ({
        type: 'numbered',
        data: { i },
        occurredAt: new Date(Date.UTC(2014, 8, 1 + (i % 28))),
        metadata: { correlationId: 'c-1', causationId: `m-${i}`, source: { topic: 'news-events', partition: 0, offset: String(i) } },
      })),
      { expectedVersion: 'no-stream' },
    );
    expect(result.events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const events = await store.readStream('batch-1', { fromVersion: 51 });
    expect(events).toHaveLength(50);
    expect(events[0]).toMatchObject({ streamVersion: 51, type: 'numbered', data: { i: 50 }, metadata: { causationId: 'm-50', source: { offset: '50' } } });
    expect(events[0]!.occurredAt!.toISOString()).toBe('2014-09-23T00:00:00.000Z');
  });
});
