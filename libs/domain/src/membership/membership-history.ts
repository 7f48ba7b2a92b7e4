import { MembershipFold } from './fold-membership';
import { foldOrder, isVisible, type MemberState, type MembershipFact } from './membership-fact';

/**
 * One row of the bitemporal membership read model: the country is a member, with this state,
 * for valid times in [validFrom, validTo) as known at knowledge times in [knownFrom, knownTo).
 * null bounds are unbounded.
 */
export interface MembershipRow {
  validFrom: number;
  validTo: number | null;
  knownFrom: number;
  knownTo: number | null;
  state: MemberState;
}

interface Segment {
  validFrom: number;
  validTo: number | null;
  state: MemberState;
  /** The state as a string, made once: segments are compared and keyed many times. */
  stateKey: string;
}

/**
 * A member state as one string: equal states, equal keys. Role kinds are an enum and theaters
 * country codes: '@', ',' and '|' cannot occur inside them.
 */
export const memberStateKey = (state: MemberState) => `${state.since}|${state.roles.map((r) => `${r.kind}@${r.theater ?? ''}@${r.since}`).join(',')}`;

/** Valid-time segments in which the country is a member, from the facts (in fold order) visible at `knownAt`. */
function segments(ordered: ReadonlyArray<MembershipFact>, knownAt: number): Segment[] {
  const visible = ordered.filter((f) => isVisible(f, knownAt));
  const fold = new MembershipFold();
  const result: Segment[] = [];
  let i = 0;
  while (i < visible.length) {
    const at = visible[i]!.occurredAt;
    // every fact at the same valid time, then the state holds from there
    while (i < visible.length && visible[i]!.occurredAt === at) fold.apply(visible[i++]!);
    const state = fold.state();
    const stateKey = state ? memberStateKey(state) : '';
    const last = result[result.length - 1];
    if (last && last.validTo === null) {
      if (state && last.stateKey === stateKey) continue;
      last.validTo = at;
    }
    if (state) result.push({ validFrom: at, validTo: null, state, stateKey });
  }
  return result;
}

const segmentKey = (s: Segment) => `${s.validFrom}|${s.validTo}|${s.stateKey}`;

/**
 * Every row for one (coalition, country): the fold recomputed at each knowledge time where
 * the visible facts change (a report becomes known, or is retracted), with rows that do not
 * change across knowledge times merged into one. A point-in-time question is then an index
 * lookup: the row whose valid range holds `at` and whose known range holds `knownAt`.
 */
export function membershipHistory(facts: ReadonlyArray<MembershipFact>): MembershipRow[] {
  const instants = [...new Set(facts.flatMap((f) => (f.retractedAt === null ? [f.knownAt] : [f.knownAt, f.retractedAt])))].sort((a, b) => a - b);
  // sorted once: the facts visible at an instant are a subsequence, already in fold order
  const ordered = [...facts].sort(foldOrder);
  const rows: MembershipRow[] = [];
  let open = new Map<string, MembershipRow>();
  for (const knownAt of instants) {
    const next = new Map<string, MembershipRow>();
    for (const segment of segments(ordered, knownAt)) {
      const key = segmentKey(segment);
      const continuing = open.get(key);
      if (continuing) {
        next.set(key, continuing);
        open.delete(key);
      } else {
        const row: MembershipRow = { validFrom: segment.validFrom, validTo: segment.validTo, knownFrom: knownAt, knownTo: null, state: segment.state };
        rows.push(row);
        next.set(key, row);
      }
    }
    for (const closed of open.values()) closed.knownTo = knownAt;
    open = next;
  }
  return rows;
}
