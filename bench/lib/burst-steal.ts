import type { BurstPhase } from '../e2e.bench';

/**
 * The time the hypervisor took from a burst's drain: each phase's stolen share of the cores is
 * time in which the drain's processes could not run. Taken out, the same work at the same idle
 * share is what the burst would have taken on cores of its own. Undefined for results from
 * before steal was recorded.
 */
export function burstWithoutSteal(phases: ReadonlyArray<BurstPhase>): { seconds: number; stolen: number; without: number } | undefined {
  if (phases.some((ph) => ph.stolen === undefined)) return undefined;
  const seconds = phases.reduce((sum, ph) => sum + ph.seconds, 0);
  const stolen = phases.reduce((sum, ph) => sum + ph.seconds * ph.stolen!, 0);
  return { seconds, stolen, without: seconds - stolen };
}
