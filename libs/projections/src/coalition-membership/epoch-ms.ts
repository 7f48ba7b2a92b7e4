/**
 * A timestamp as the milliseconds since the epoch that Date.getTime() would give (floored), sent
 * as a float8, which pg decodes with parseFloat: recomputing a pair reads every fact and row of
 * it, and decoding their timestamps from text was the projector's largest share of row decoding.
 * Exact for every timestamptz (fewer than 2^53 milliseconds from the epoch).
 */
export const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::float8`;

/**
 * A bigint of epoch milliseconds (or null) as a timestamptz, exactly, whatever the session's
 * time zone: the whole seconds through to_timestamp (exact up to year 20000), the remaining
 * milliseconds (negative before 1970) as an interval. A float8 times an interval is not exact
 * far from 1970, hence the split. The projector sends the instants of the facts and membership
 * rows it writes as numbers, not as Dates or ISO text: printing them in Node and parsing them
 * again in PostgreSQL was the larger part of writing a membership row outside the insert itself
 * (tests/integration/projections/written-instants.spec.ts).
 */
export const fromEpochMs = (v: string) => `(to_timestamp(${v} / 1000) + mod(${v}, 1000) * interval '1 millisecond')`;
