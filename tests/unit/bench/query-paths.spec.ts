import { queryPaths } from '../../../bench/lib/query-paths';

/**
 * The query load's contenders take turns on the same requests, and the send-only server asks the
 * api beforehand for every answer a load will ask for: both rely on a seed naming one sequence.
 */
describe('bench: the questions a query load asks', () => {
  const first = (seed: number, n: number) => {
    const next = queryPaths(seed);
    return Array.from({ length: n }, () => next());
  };

  it('are the same, in the same order, for the same seed', () => {
    expect(first(7, 50)).toEqual(first(7, 50));
    expect(first(7, 80).slice(0, 50)).toEqual(first(7, 50));
  });

  it('differ between seeds, and within a load', () => {
    expect(first(7, 50)).not.toEqual(first(8, 50));
    expect(new Set(first(7, 50)).size).toBeGreaterThan(45);
  });

  it('ask for a known coalition at a valid time and a knowledge time', () => {
    for (const path of first(3, 20)) expect(path).toMatch(/^\/coalitions\/coalition-\d{3}\?at=\d{4}-\d{2}-\d{2}&knownAt=\d{4}-\d{2}-\d{2}$/);
  });
});
