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

/**
 * The fold's state after every valid time with a visible fact, as known at one knowledge time:
 * the steps of a member's history, in valid-time order.
 */
interface Step {
  at: number;
  state: MemberState | undefined;
  /** memberStateKey(state), '' when not a member. */
  stateKey: string;
}

/**
 * Valid-time segments in which the country is a member, from the steps at one knowledge time,
 * from steps[from] on (a step where a segment ends, or the first).
 */
function segments(steps: ReadonlyArray<Step>, from: number): Segment[] {
  const result: Segment[] = [];
  for (let s = from; s < steps.length; s++) {
    const { at, state, stateKey } = steps[s]!;
    const last = result[result.length - 1];
    if (last && last.validTo === null) {
      if (state && last.stateKey === stateKey) continue;
      last.validTo = at;
    }
    if (state) result.push({ validFrom: at, validTo: null, state, stateKey });
  }
  return result;
}

/** A segment of the current knowledge time, with the row that holds it. */
interface OpenSegment {
  segment: Segment;
  row: MembershipRow;
}

/**
 * Every row for one (coalition, country): the fold recomputed at each knowledge time where
 * the visible facts change (a report becomes known, or is retracted), with rows that do not
 * change across knowledge times merged into one. A point-in-time question is then an index
 * lookup: the row whose valid range holds `at` and whose known range holds `knownAt`.
 *
 * From one knowledge time to the next, the fold is redone only from the valid time of the
 * earliest fact whose visibility changed: the steps before it are the same facts folded the
 * same way, and so are the segments (and rows) that end before it. The projector recomputes a
 * pair from all its facts at every batch that touches it, and folding every visible fact again
 * at every knowledge time (quadratic in the pair's facts) was the largest part of its CPU on a
 * long log.
 */
export function membershipHistory(facts: ReadonlyArray<MembershipFact>): MembershipRow[] {
  // sorted once: the facts visible at an instant are a subsequence, already in fold order
  const ordered = [...facts].sort(foldOrder);
  const rows: MembershipRow[] = [];
  const steps: Step[] = [];
  // the segments as known at the previous knowledge time, in valid-time order
  let open: OpenSegment[] = [];
  for (const [knownAt, firstChanged] of visibilityChanges(ordered)) {
    const cut = refold(steps, ordered, firstChanged, knownAt);
    open = nextSegments(open, steps, cut, knownAt, rows);
  }
  return rows;
}

/**
 * Each knowledge time where the visible facts change, in time order, with the place (in fold
 * order) of the first fact whose visibility changes then.
 */
function visibilityChanges(ordered: ReadonlyArray<MembershipFact>): Array<[knownAt: number, firstChanged: number]> {
  const firstChanged = new Map<number, number>();
  ordered.forEach((fact, index) => {
    for (const instant of fact.retractedAt === null ? [fact.knownAt] : [fact.knownAt, fact.retractedAt]) {
      if (!firstChanged.has(instant)) firstChanged.set(instant, index);
    }
  });
  return [...firstChanged].sort((a, b) => a[0] - b[0]);
}

/**
 * Brings `steps` to the fold of the facts visible at `knownAt`: the steps before the valid time
 * of ordered[firstChanged] (the cut) stand; the fold is redone from the cut, starting from the
 * state of the last step that stands. Returns the cut.
 */
function refold(steps: Step[], ordered: ReadonlyArray<MembershipFact>, firstChanged: number, knownAt: number): number {
  const cut = ordered[firstChanged]!.occurredAt;
  while (steps.length > 0 && steps[steps.length - 1]!.at >= cut) steps.pop();
  let { state, stateKey } = steps[steps.length - 1] ?? { state: undefined, stateKey: '' };
  const fold = MembershipFold.from(state);
  // the facts at the cut's valid time that come before the first changed one are folded again too
  let i = firstChanged;
  while (i > 0 && ordered[i - 1]!.occurredAt === cut) i--;
  while (i < ordered.length) {
    const at = ordered[i]!.occurredAt;
    // every visible fact at the same valid time, then the state holds from there
    let seen = false;
    let changed = false;
    for (; i < ordered.length && ordered[i]!.occurredAt === at; i++) {
      if (!isVisible(ordered[i]!, knownAt)) continue;
      seen = true;
      changed = fold.apply(ordered[i]!) || changed;
    }
    if (!seen) continue;
    if (changed) {
      state = fold.state();
      stateKey = state ? memberStateKey(state) : '';
    }
    steps.push({ at, state, stateKey });
  }
  return cut;
}

/**
 * The segments as known at `knownAt`, each with its row: a segment also known at the previous
 * knowledge time keeps its row; a new one gets a row known from `knownAt` (added to `rows`); a
 * previous one that is gone has its row closed at `knownAt`.
 *
 * A segment that ends before the cut is made of steps that stand: it and its row go on. The
 * segments are made again only from the step where the last of those ends.
 */
function nextSegments(open: ReadonlyArray<OpenSegment>, steps: ReadonlyArray<Step>, cut: number, knownAt: number, rows: MembershipRow[]): OpenSegment[] {
  let kept = 0;
  while (kept < open.length && open[kept]!.segment.validTo !== null && open[kept]!.segment.validTo! < cut) kept++;
  const from = kept === 0 ? 0 : steps.findIndex((step) => step.at === open[kept - 1]!.segment.validTo);
  // The previous segments from `kept` on and the new ones are both in valid-time order, and no
  // two of a list start at the same valid time: matched in one pass, a previous segment goes on
  // if a new one is the same (bounds and state), and is closed otherwise.
  const next = open.slice(0, kept);
  let p = kept;
  for (const segment of segments(steps, from)) {
    while (p < open.length && open[p]!.segment.validFrom < segment.validFrom) open[p++]!.row.knownTo = knownAt;
    const same = p < open.length ? open[p]! : undefined;
    if (same && same.segment.validFrom === segment.validFrom) {
      p++;
      if (same.segment.validTo === segment.validTo && same.segment.stateKey === segment.stateKey) {
        next.push(same);
        continue;
      }
      same.row.knownTo = knownAt;
    }
    const row: MembershipRow = { validFrom: segment.validFrom, validTo: segment.validTo, knownFrom: knownAt, knownTo: null, state: segment.state };
    rows.push(row);
    next.push({ segment, row });
  }
  while (p < open.length) open[p++]!.row.knownTo = knownAt;
  return next;
}
