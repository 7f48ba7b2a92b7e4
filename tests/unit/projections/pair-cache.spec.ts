import type { MembershipFact } from '@annals/domain';
import { JUDGED_BATCHES, JUDGED_LOOKUPS, MIN_HELD_SHARE, PairCache, RESTING_BATCHES, type CachedPair } from '@annals/projections';

/**
 * The projector's memory of a version's pairs stands only for what its own batches committed:
 * a batch's changes count once it has committed, a batch that starts anywhere but where the
 * last one ended finds nothing, and past its capacity it drops the pairs used longest ago.
 */
describe('PairCache', () => {
  const at = (position: number) => ({ transactionId: '900', position });
  const fact = (reportId: string): MembershipFact => ({ reportId, type: 'coalition.member-joined', position: 1, roles: [], occurredAt: 0, knownAt: 0, retractedAt: null });
  /** A pair with `facts` facts and no rows. */
  const pair = (facts: number): CachedPair => ({ facts: Array.from({ length: facts }, (_, i) => fact(`r${i}`)), rows: [], rowsFrom: -Infinity });

  it('holds what a batch staged only once it has committed, and nothing of a batch cleared', () => {
    const cache = new PairCache(100);
    cache.begin(at(0));
    cache.stage('a', pair(2));
    expect(cache.get('a')).toBeUndefined();
    cache.commit(at(10));
    expect(cache.get('a')?.facts).toHaveLength(2);

    cache.begin(at(10));
    cache.stage('b', pair(1));
    cache.clear(); // the batch failed
    cache.begin(at(10));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeUndefined(); // the failed batch may have committed: nothing is trusted
  });

  it('keeps what it holds for a batch that starts where the last committed one ended, and drops it all for any other start', () => {
    const cache = new PairCache(100);
    cache.begin(at(0));
    cache.stage('a', pair(1));
    cache.commit(at(10));
    // the checkpoint row's bigint may come back as a string
    cache.begin({ transactionId: '900', position: '10' as unknown as number });
    expect(cache.get('a')).toBeDefined();
    cache.commit(at(20));
    cache.begin(at(30)); // another instance applied the batches between 20 and 30
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toEqual({ pairs: 0, values: 0 });
  });

  it('drops a pair staged as undefined, and ignores what is staged outside a batch', () => {
    const cache = new PairCache(100);
    cache.begin(at(0));
    cache.stage('a', pair(1));
    cache.stage('b', pair(1));
    cache.commit(at(1));
    cache.begin(at(1));
    cache.stage('a', undefined); // a retraction changed its facts
    cache.commit(at(2));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
    cache.stage('c', pair(1));
    cache.commit(at(3));
    expect(cache.get('c')).toBeUndefined();
  });

  it('past its capacity drops the pairs used longest ago, counting facts and rows, and holds no pair larger than itself', () => {
    const cache = new PairCache(10);
    cache.begin(at(0));
    cache.stage('a', pair(4));
    cache.stage('b', pair(4));
    cache.commit(at(1));
    cache.begin(at(1));
    cache.stage('a', pair(4)); // used again: now the most recent
    cache.stage('c', { ...pair(2), rows: [{ ctid: '(0,1)', row: { validFrom: 0, validTo: null, knownFrom: 0, knownTo: null, state: { since: 0, roles: [] } } }] });
    cache.commit(at(2));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toEqual({ pairs: 2, values: 7 });
    cache.begin(at(2));
    cache.stage('d', pair(11));
    cache.commit(at(3));
    expect(cache.get('d')).toBeUndefined();
    expect(cache.size.values).toBe(7);
  });
  it('counts the pairs a batch looked up, held or missed, once, and none of a batch that did not commit', () => {
    const cache = new PairCache(100);
    cache.begin(at(0));
    cache.get('a');
    cache.stage('a', pair(1));
    cache.commit(at(1));
    expect(cache.takeLookups()).toEqual({ held: 0, missed: 1 });
    expect(cache.takeLookups()).toEqual({ held: 0, missed: 0 });

    cache.begin(at(1));
    cache.get('a');
    cache.get('b');
    cache.clear(); // the batch failed: its lookups are not those of a committed batch
    expect(cache.takeLookups()).toEqual({ held: 0, missed: 0 });

    cache.begin(at(5)); // cleared: 'a' is no longer held
    cache.get('a');
    cache.stage('a', pair(1));
    cache.commit(at(6));
    cache.begin(at(6));
    cache.get('a');
    cache.get('c');
    cache.commit(at(7));
    // both batches since the last call: 'a' missed, then 'a' held and 'c' missed
    expect(cache.takeLookups()).toEqual({ held: 1, missed: 2 });
  });

  describe('rests when it is full and still misses', () => {
    /**
     * Runs `batches` batches from checkpoint `start`; each looks up `lookups` pairs, `fresh` of
     * them pairs no earlier batch touched, the rest the previous batch's pairs, and stages
     * every pair it looked up (1 fact each). Returns what the commits returned (the share held,
     * where one rested) and how many batches did not take the cache.
     */
    function run(cache: PairCache, input: { start: number; batches: number; lookups: number; fresh: number }) {
      const rested: number[] = [];
      let skipped = 0;
      let pos = input.start;
      for (let b = 0; b < input.batches; b++, pos++) {
        if (!cache.takeForBatch()) {
          skipped++;
          continue;
        }
        cache.begin(at(pos));
        for (let i = 0; i < input.lookups; i++) {
          const key = i < input.fresh ? `p${pos}-${i}` : `p${pos - 1}-${i}`;
          cache.get(key);
          cache.stage(i < input.fresh ? key : `p${pos}-${i}`, pair(1));
        }
        const share = cache.commit(at(pos + 1));
        if (share !== undefined) rested.push(share);
      }
      return { rested, skipped };
    }

    // batches that, JUDGED_BATCHES of them, look up JUDGED_LOOKUPS pairs; a cache that one batch fills
    const lookups = Math.ceil(JUDGED_LOOKUPS / JUDGED_BATCHES);
    const missing = { lookups, fresh: Math.ceil(lookups * 0.8) };

    it('full, with fewer than the minimum share of lookups held over the judged batches: emptied, and the next batches run without it', () => {
      const cache = new PairCache(lookups);
      // the first batch fills it; the second drops the first's pairs for room
      expect(run(cache, { start: 0, batches: JUDGED_BATCHES, ...missing }).rested).toEqual([]);
      const { rested } = run(cache, { start: JUDGED_BATCHES, batches: 1, ...missing });
      expect(rested).toHaveLength(1);
      expect(rested[0]).toBeLessThan(MIN_HELD_SHARE);
      expect(cache.size).toEqual({ pairs: 0, values: 0 });
      const resting = run(cache, { start: 100, batches: RESTING_BATCHES, ...missing });
      expect(resting.skipped).toBe(RESTING_BATCHES);
      // then it is taken again, starting empty
      expect(cache.takeForBatch()).toBe(true);
    });

    it('full, with most lookups held: kept, judged again and again', () => {
      const cache = new PairCache(lookups);
      const { rested, skipped } = run(cache, { start: 0, batches: 10 * JUDGED_BATCHES, lookups, fresh: Math.floor(lookups * 0.2) });
      expect(rested).toEqual([]);
      expect(skipped).toBe(0);
      expect(cache.size.values).toBe(lookups);
    });

    it('not judged while it fills (every lookup of a cold cache misses), nor when no pair was dropped for room', () => {
      const cache = new PairCache(1_000_000);
      const { rested, skipped } = run(cache, { start: 0, batches: 10 * JUDGED_BATCHES, lookups, fresh: lookups });
      expect(rested).toEqual([]);
      expect(skipped).toBe(0);
    });

    it('judges a trickle of small batches only once they have looked up enough pairs', () => {
      const cache = new PairCache(10);
      const batches = Math.ceil(JUDGED_LOOKUPS / 10);
      // 10 pairs a batch, 8 new: full from the second batch
      expect(run(cache, { start: 0, batches, lookups: 10, fresh: 8 }).rested).toEqual([]);
      expect(run(cache, { start: batches, batches: 1, lookups: 10, fresh: 8 }).rested).toHaveLength(1);
    });

    it('a failed batch empties it but does not end a rest', () => {
      const cache = new PairCache(lookups);
      run(cache, { start: 0, batches: 1 + JUDGED_BATCHES, ...missing });
      expect(cache.takeForBatch()).toBe(false);
      cache.clear();
      const { skipped } = run(cache, { start: 200, batches: RESTING_BATCHES, ...missing });
      expect(skipped).toBe(RESTING_BATCHES - 1);
    });
  });
});
