import { summarize, type Summary } from './stats';

/**
 * What the chain costs per append (µs of server time), from the anatomy's `append` and its copy
 * without the chain: the median of the blocks' differences where they were kept, each block's two
 * run side by side. The difference of the totals is what is left for results measured before:
 * one stalled block moves it by hundreds of µs (the run of 2026-12-03 00:52 UTC: 3 µs from the
 * totals, where the blocks' median was 93 and one block read -1,193).
 */
export function chainCost(a: { annalsUs: number; unchainedUs?: number; chainUsByBlock?: number[] }): { us: number; byBlock?: Summary } | undefined {
  if (a.unchainedUs === undefined) return undefined;
  if (!a.chainUsByBlock?.length) return { us: a.annalsUs - a.unchainedUs };
  const byBlock = summarize(a.chainUsByBlock);
  return { us: byBlock.median, byBlock };
}
