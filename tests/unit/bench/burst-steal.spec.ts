import { burstWithoutSteal } from '../../../bench/lib/burst-steal';
import type { BurstPhase } from '../../../bench/e2e.bench';

/**
 * The burst's 5 s is a fixed limit, which the hypervisor's share of the cores does not cancel as
 * it does in a ratio. The report says how much of the median burst's time that share took, from
 * each phase's own share; it must not claim a figure from results that never recorded it.
 */
describe("bench: the burst's time without the hypervisor's share", () => {
  const phase = (seconds: number, stolen?: number): BurstPhase => ({ seconds, cpu: {}, idle: 0.05, stolen });

  it("takes out each phase's stolen share of its own length", () => {
    const steal = burstWithoutSteal([phase(4, 0.1), phase(2, 0.25)])!;
    expect(steal.seconds).toBeCloseTo(6);
    expect(steal.stolen).toBeCloseTo(0.4 + 0.5);
    expect(steal.without).toBeCloseTo(6 - 0.9);
  });

  it('leaves a burst on cores nobody else used as it was', () => {
    expect(burstWithoutSteal([phase(3, 0), phase(1, 0)])).toEqual({ seconds: 4, stolen: 0, without: 4 });
  });

  it('says nothing for results from before the steal was recorded', () => {
    expect(burstWithoutSteal([phase(3), phase(1, 0.2)])).toBeUndefined();
  });
});
