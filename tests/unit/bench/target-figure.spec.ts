import { fmt, targetFigure } from '../../../bench/lib/stats';

/**
 * docs/benchmarks.md prints a PASS/FAIL line per target with the measured figure. The figure must
 * agree with the trials the line lists (a median of 6.306 s is "6.3", as the trials are printed),
 * and a miss must never print as meeting its limit ("5.0 s" for a FAIL against 5 s).
 */
describe('bench: the figure a target line prints', () => {
  const shown = (value: number, op: '≥' | '≤', limit: number, digits: number) => fmt(targetFigure(value, op, limit, digits), digits);

  it('rounds a miss as every other figure is when that cannot look like a pass', () => {
    expect(shown(6.306, '≤', 5, 1)).toBe(fmt(6.306, 1));
    expect(shown(6.306, '≤', 5, 1)).toBe('6.3');
    expect(shown(1.123, '≥', 1.5, 2)).toBe('1.12');
    expect(shown(12.6, '≥', 50, 0)).toBe('13');
  });

  it('rounds a miss away from the limit when rounding would print the limit itself', () => {
    expect(shown(5.04, '≤', 5, 1)).toBe('5.1');
    expect(shown(1.497, '≥', 1.5, 2)).toBe('1.49');
    expect(shown(49.6, '≥', 50, 0)).toBe('49');
  });

  it('prints a pass as it is, rounded', () => {
    expect(shown(4.96, '≤', 5, 1)).toBe('5.0');
    expect(shown(1.53, '≥', 1.5, 2)).toBe('1.53');
  });
});
