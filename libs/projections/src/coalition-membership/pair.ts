/** A (coalition, country) pair, whose membership rows are computed together. */
export type Pair = readonly [coalitionId: string, country: string];

/** A pair as one string, to key maps and sets by. */
export const pairKey = (coalition: string, country: string) => `${coalition}\u0000${country}`;
