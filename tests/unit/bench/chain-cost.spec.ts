import { chainCost } from '../../../bench/lib/chain-cost';

/**
 * docs/benchmarks.md says what the hash chain costs an append and whether it is the whole of the
 * gap to the target. That figure must not swing with one stalled block of the shared machine.
 */
describe('bench: what the chain costs an append', () => {
  it('is the median of the blocks, so that one stalled block does not move it', () => {
    // the run of 2026-12-03 00:52 UTC, where the totals' difference was 3 µs
    const blocks = [39, -1193, 187, 190, 200, 99, 233, 144, -5, 14, 87, 45];
    const cost = chainCost({ annalsUs: 456, unchainedUs: 453, chainUsByBlock: blocks });
    expect(cost?.us).toBe(93);
    expect(cost?.byBlock).toMatchObject({ min: -1193, max: 233 });
  });

  it('falls back to the difference of the totals for results that kept no blocks', () => {
    expect(chainCost({ annalsUs: 792, unchainedUs: 593 })).toEqual({ us: 199 });
  });

  it('is unknown when the copy without the chain could not be made', () => {
    expect(chainCost({ annalsUs: 792 })).toBeUndefined();
  });
});
