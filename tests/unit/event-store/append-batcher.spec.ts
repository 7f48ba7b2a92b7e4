import { AppendBatcher, ConcurrencyError, type AppendRequest, type AppendResult, type PostgresEventStore } from '@annals/event-store';

/**
 * The batching logic alone: which appends share a call, in which order, and what each caller
 * gets back. The store's answers are scripted (its SQL is tested in tests/integration/event-store).
 */
describe('AppendBatcher', () => {
  const ok = (r: AppendRequest): AppendResult => ({ streamId: r.streamId, nextExpectedVersion: r.events.length, events: [] });
  const event = (key: string) => ({ type: 'reported', data: {}, idempotencyKey: key });

  function scriptedStore(answer: (call: ReadonlyArray<AppendRequest>) => Promise<Array<AppendResult | ConcurrencyError>>) {
    const calls: string[][] = [];
    // A call of one append goes as store.appendAlone, which throws a conflict instead of returning it.
    const store = {
      appendMany: (requests: ReadonlyArray<AppendRequest>) => {
        calls.push(requests.map((r) => `${r.streamId}:${r.events.map((e) => e.idempotencyKey).join('+')}`));
        return answer(requests);
      },
      appendAlone: async (streamId: string, events: AppendRequest['events'], options: AppendRequest['options']) => {
        calls.push([`${streamId}:${events.map((e) => e.idempotencyKey).join('+')}`]);
        const [result] = await answer([{ streamId, events, options }]);
        if (result instanceof Error) throw result;
        return result!;
      },
    } as unknown as PostgresEventStore;
    return { store, calls };
  }

  it('appends submitted in one tick go in one call, at most maxEventsPerCall events each', async () => {
    const { store, calls } = scriptedStore(async (rs) => rs.map(ok));
    const batcher = new AppendBatcher(store, 3);
    await Promise.all(['a', 'b', 'c', 'd'].map((s) => batcher.append(s, [event(`${s}1`), event(`${s}2`)].slice(0, s === 'a' ? 1 : 2), { expectedVersion: 'any' })));
    // a (1 event) + b (2) fill the first call; c and d (2 each) go one per call
    expect(calls).toEqual([['a:a1', 'b:b1+b2'], ['c:c1+c2'], ['d:d1+d2']]);
  });

  it('the calls of one flush are filled evenly, so that side by side they finish together', async () => {
    const { store, calls } = scriptedStore(async (rs) => rs.map(ok));
    const batcher = new AppendBatcher(store, 50);
    const tenEvents = (s: string) => Array.from({ length: 10 }, (_, i) => event(`${s}${i}`));
    const streams = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    await Promise.all(streams.map((s) => batcher.append(s, tenEvents(s), { expectedVersion: 'any' })));
    // 80 events under a limit of 50: two calls of 40, not 50 and 30
    expect(calls.map((call) => call.map((c) => c.split(':')[0]).join(''))).toEqual(['abcd', 'efgh']);
  });

  it('spreading never takes more calls than the limit needs: the last call takes what the others left', async () => {
    const { store, calls } = scriptedStore(async (rs) => rs.map(ok));
    const batcher = new AppendBatcher(store, 6);
    const sized = (s: string, n: number) => Array.from({ length: n }, (_, i) => event(`${s}${i}`));
    const appends: Array<[string, number]> = [['a', 3], ['b', 3], ['c', 3], ['d', 1]];
    await Promise.all(appends.map(([s, n]) => batcher.append(s, sized(s, n), { expectedVersion: 'any' })));
    // 10 events under a limit of 6: two calls of about 5; a and d make 4, so b and c (6) share the second
    expect(calls.map((call) => call.map((c) => c.split(':')[0]).join(''))).toEqual(['ad', 'bc']);
  });

  it('appends held back behind their stream do not count towards spreading the others', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { store, calls } = scriptedStore(async (rs) => {
      if (calls.length === 1) await gate;
      return rs.map(ok);
    });
    const batcher = new AppendBatcher(store, 40);
    const tenEvents = (s: string) => Array.from({ length: 10 }, (_, i) => event(`${s}${i}`));
    const first = batcher.append('x', tenEvents('x'), { expectedVersion: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    // x's call is out; its next append waits, and the 40 events that can go now fit one call
    const rest = ['x', 'a', 'b', 'c', 'd'].map((s) => batcher.append(s, tenEvents(s === 'x' ? 'y' : s), { expectedVersion: 'any' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((call) => call.map((c) => c.split(':')[0]).join(''))).toEqual(['x', 'abcd']);
    release();
    await Promise.all([first, ...rest]);
    expect(calls.map((call) => call.map((c) => c.split(':')[0]).join(''))).toEqual(['x', 'abcd', 'x']);
  });

  it('a second append to a stream waits until the call holding the first has been answered', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { store, calls } = scriptedStore(async (rs) => {
      if (calls.length === 1) await gate;
      return rs.map(ok);
    });
    const batcher = new AppendBatcher(store);
    const first = batcher.append('x', [event('x1')], { expectedVersion: 0 });
    const other = batcher.append('y', [event('y1')], { expectedVersion: 0 });
    const second = batcher.append('x', [event('x2')], { expectedVersion: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['x:x1', 'y:y1']]); // x2 held back while x1's call is out
    release();
    await Promise.all([first, other, second]);
    expect(calls).toEqual([['x:x1', 'y:y1'], ['x:x2']]);
  });

  it('a conflict fails only its own append; a failed call fails every append in it', async () => {
    const { store } = scriptedStore(async (rs) => rs.map((r) => (r.streamId === 'late' ? new ConcurrencyError('late', 0, 3) : ok(r))));
    const batcher = new AppendBatcher(store);
    const [fine, late] = await Promise.allSettled([batcher.append('fine', [event('f')], { expectedVersion: 0 }), batcher.append('late', [event('l')], { expectedVersion: 0 })]);
    expect(fine.status).toBe('fulfilled');
    expect((late as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);

    const down = new AppendBatcher(scriptedStore(async () => Promise.reject(new Error('connection terminated'))).store);
    const both = await Promise.allSettled([down.append('p', [event('p')], { expectedVersion: 0 }), down.append('q', [event('q')], { expectedVersion: 0 })]);
    expect(both.map((s) => (s as PromiseRejectedResult).reason?.message)).toEqual(['connection terminated', 'connection terminated']);
  });

  it('a call refused for its data is sent again one append per call, so only the append at fault fails', async () => {
    const refused = Object.assign(new Error('value for domain event_store.event_type_name violates check constraint "event_type_name_check"'), { code: '23514' });
    const { store, calls } = scriptedStore(async (rs) => (rs.some((r) => r.streamId === 'bad') ? Promise.reject(refused) : rs.map(ok)));
    const batcher = new AppendBatcher(store);
    const settled = await Promise.allSettled(['a', 'bad', 'b'].map((s) => batcher.append(s, [event(s)], { expectedVersion: 0 })));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBe(refused);
    expect(calls).toEqual([['a:a', 'bad:bad', 'b:b'], ['a:a'], ['bad:bad'], ['b:b']]);
  });

  it('an append alone in its call goes as store.appendAlone; its conflict fails it as a ConcurrencyError', async () => {
    const { store, calls } = scriptedStore(async (rs) => rs.map((r) => (r.streamId === 'late' ? new ConcurrencyError('late', 0, 3) : ok(r))));
    const appendMany = jest.spyOn(store, 'appendMany');
    const batcher = new AppendBatcher(store);
    await expect(batcher.append('fine', [event('f')], { expectedVersion: 0 })).resolves.toMatchObject({ streamId: 'fine' });
    await expect(batcher.append('late', [event('l')], { expectedVersion: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(calls).toEqual([['fine:f'], ['late:l']]);
    expect(appendMany).not.toHaveBeenCalled();
  });

  it('sendAloneWhenIdle: an append submitted while nothing is out goes at once, alone; those submitted meanwhile share the next call', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { store, calls } = scriptedStore(async (rs) => {
      await gate;
      return rs.map(ok);
    });
    const batcher = new AppendBatcher(store, 50, { sendAloneWhenIdle: true });
    const first = batcher.append('a', [event('a1')], { expectedVersion: 0 });
    // sent before the tick ends
    expect(calls).toEqual([['a:a1']]);
    const others = ['b', 'c', 'd'].map((s) => batcher.append(s, [event(`${s}1`)], { expectedVersion: 0 }));
    expect(calls).toHaveLength(1);
    release();
    await Promise.all([first, ...others]);
    expect(calls).toEqual([['a:a1'], ['b:b1', 'c:c1', 'd:d1']]);
    // idle again: the next goes at once
    const again = batcher.append('e', [event('e1')], { expectedVersion: 0 });
    expect(calls).toHaveLength(3);
    await again;
  });

  it('sendAloneWhenIdle: a writer on its own that goes on as each answer arrives has every append sent at once', async () => {
    const { store, calls } = scriptedStore(async (rs) => rs.map(ok));
    const batcher = new AppendBatcher(store, 50, { sendAloneWhenIdle: true });
    let sentAtOnce = 0;
    for (let i = 0; i < 5; i++) {
      const before = calls.length;
      const appended = batcher.append('w', [event(`w${i}`)], { expectedVersion: i });
      if (calls.length === before + 1) sentAtOnce++;
      await appended;
    }
    // (an append settled before the batcher had freed its stream sent the next at the end of the tick)
    expect(sentAtOnce).toBe(5);
  });

  it('without sendAloneWhenIdle, appends submitted in one loop all wait for the end of the tick and share a call', async () => {
    const { store, calls } = scriptedStore(async (rs) => rs.map(ok));
    const batcher = new AppendBatcher(store, 50);
    const appends = ['a', 'b', 'c'].map((s) => batcher.append(s, [event(`${s}1`)], { expectedVersion: 0 }));
    expect(calls).toHaveLength(0);
    await Promise.all(appends);
    expect(calls).toEqual([['a:a1', 'b:b1', 'c:c1']]);
  });
});
