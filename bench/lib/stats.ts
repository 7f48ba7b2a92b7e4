/** Summaries of repeated measurements: the median and the spread (min, max) of the trials. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  trials: number[];
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, trials: values };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/**
 * Runs every contender `trials` times, interleaved A B C C B A A B C ...: a machine that gets
 * slower or faster during the run (shared cores, cache warm-up) weighs on all alike.
 *
 * With `blocks` above 1, each trial is that many shorter runs of every contender, interleaved the
 * same way (a contender is called blocks × trials times: its trials in order, each one's blocks
 * in order), and the trial's rate is its blocks' rate taken together: equal work per block, so
 * blocks ÷ Σ 1/rate. Trials of a few seconds each put seconds between two contenders' runs, and
 * a shared machine's spells (another machine's turn on the cores) are shorter than that: blocks
 * let every contender meet the same spells.
 */
export async function interleaved<K extends string>(contenders: Record<K, () => Promise<number>>, trials: number, blocks = 1): Promise<Record<K, Summary>> {
  const names = Object.keys(contenders) as K[];
  const results = Object.fromEntries(names.map((n) => [n, [] as number[]])) as unknown as Record<K, number[]>;
  for (let t = 0; t < trials; t++) {
    const inverse = Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;
    for (let b = 0; b < blocks; b++) {
      const order = (t * blocks + b) % 2 === 0 ? names : [...names].reverse();
      for (const name of order) inverse[name] += 1 / (await contenders[name]());
    }
    for (const name of names) results[name].push(blocks / inverse[name]);
  }
  return Object.fromEntries(names.map((n) => [n, summarize(results[n])])) as Record<K, Summary>;
}

/**
 * Which of `rounds` rounds (0-based) carry `count` extra runs, spread evenly among them: each at
 * the middle of its share (3 among 5: rounds 0, 2 and 4), so that the extra runs meet the early,
 * middle and late spells of a shared machine as the runs of every round do.
 */
export function spreadEvenly(count: number, rounds: number): Set<number> {
  const n = Math.min(Math.max(0, count), rounds);
  return new Set(Array.from({ length: n }, (_, k) => Math.floor(((k + 0.5) * rounds) / n)));
}

/**
 * `a`'s rate ÷ `b`'s in each trial. Trials of contenders run by `interleaved` pair up: trial t of
 * each ran in the same round, side by side. Empty when the two do not have as many trials (they
 * were not measured together).
 */
export function pairedRatios(a: Summary, b: Summary): number[] {
  if (a.trials.length !== b.trials.length) return [];
  return a.trials.map((x, t) => x / b.trials[t]!);
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
export const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);

/**
 * The figure a target's line prints (to `digits` places): rounded as every other figure is, so
 * that a line agrees with the trials it lists, except that a miss never prints as meeting its
 * limit: 5.04 s against "≤ 5 s" shows as 5.1, 1.497× against "≥ 1.5×" as 1.49.
 */
export function targetFigure(value: number, op: '≥' | '≤', limit: number, digits: number): number {
  const met = (v: number) => (op === '≥' ? v >= limit : v <= limit);
  const scale = 10 ** digits;
  if (met(value) || !met(Math.round(value * scale) / scale)) return value;
  return (op === '≥' ? Math.floor(value * scale) : Math.ceil(value * scale)) / scale;
}
