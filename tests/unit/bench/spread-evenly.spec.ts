import { spreadEvenly } from '../../../bench/lib/stats';

/**
 * The end-to-end section runs fewer live-order bursts than timed ones, in turns with them; the
 * report says they ran in turns with the runs above, which holds only if they are spread over the
 * whole section, not bunched in its first rounds (a shared machine's slow spell would then fall
 * on one kind of burst only).
 */
describe('bench: extra runs spread evenly among the rounds', () => {
  it('puts 3 runs among 5 rounds at the first, the middle and the last', () => {
    expect([...spreadEvenly(3, 5)].sort()).toEqual([0, 2, 4]);
  });

  it('reaches the second half of the rounds whenever more than one run is asked', () => {
    for (let rounds = 2; rounds <= 12; rounds++) {
      for (let count = 2; count <= rounds; count++) {
        const chosen = [...spreadEvenly(count, rounds)];
        expect(chosen).toHaveLength(count);
        expect(Math.max(...chosen)).toBeGreaterThanOrEqual(Math.floor(rounds / 2));
        expect(Math.min(...chosen)).toBeLessThan(Math.ceil(rounds / 2));
        for (const r of chosen) expect(r >= 0 && r < rounds).toBe(true);
      }
    }
  });

  it('gives every round a run when asked for as many or more, and none when asked for none', () => {
    expect([...spreadEvenly(5, 5)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...spreadEvenly(9, 4)].sort()).toEqual([0, 1, 2, 3]);
    expect(spreadEvenly(0, 5).size).toBe(0);
    expect([...spreadEvenly(1, 1)]).toEqual([0]);
  });
});
