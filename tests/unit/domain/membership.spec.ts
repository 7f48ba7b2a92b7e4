import fc from 'fast-check';
import { ROLE_KINDS } from '@annals/contracts';
import { MembershipFold, memberStateAt, memberStateKey, membershipHistory, type MemberState, type MembershipFact, type MembershipRow } from '@annals/domain';

const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
let position = 0;
function fact(type: MembershipFact['type'], occurredAt: string, knownAt: string, roles: MembershipFact['roles'] = [], retractedAt: string | null = null): MembershipFact {
  return { reportId: `r${++position}`, type, occurredAt: day(occurredAt), knownAt: day(knownAt), position, roles, retractedAt: retractedAt ? day(retractedAt) : null };
}

/** The row lookup the read model does with its GiST index. */
function lookup(rows: MembershipRow[], at: number, knownAt: number) {
  const hits = rows.filter((r) => r.validFrom <= at && (r.validTo === null || at < r.validTo) && r.knownFrom <= knownAt && (r.knownTo === null || knownAt < r.knownTo));
  expect(hits.length).toBeLessThanOrEqual(1);
  return hits[0]?.state;
}

describe('domain: the membership fold', () => {
  it('joins, adds roles, corroborates without moving since, ends roles and membership', () => {
    const facts = [
      fact('coalition.member-joined', '2014-09-19', '2015-12-09', [{ kind: 'air-strikes', theater: 'IQ' }]),
      fact('coalition.member-joined', '2014-09-19', '2015-12-10'), // corroboration
      fact('coalition.role-started', '2015-09-27', '2015-12-09', [{ kind: 'air-strikes', theater: 'SY' }]),
      fact('coalition.role-ended', '2016-01-01', '2016-01-02', [{ kind: 'air-strikes', theater: 'IQ' }]),
      fact('coalition.member-left', '2017-01-01', '2017-01-02'),
    ];
    const now = day('2020-01-01');
    expect(memberStateAt(facts, day('2014-09-18'), now)).toBeUndefined();
    expect(memberStateAt(facts, day('2014-10-01'), now)).toEqual({ since: day('2014-09-19'), roles: [{ kind: 'air-strikes', theater: 'IQ', since: day('2014-09-19') }] });
    expect(memberStateAt(facts, day('2015-10-01'), now)!.roles.map((r) => r.theater)).toEqual(['IQ', 'SY']);
    expect(memberStateAt(facts, day('2016-06-01'), now)!.roles.map((r) => r.theater)).toEqual(['SY']);
    expect(memberStateAt(facts, day('2017-06-01'), now)).toBeUndefined();
    // as known before the article: nothing
    expect(memberStateAt(facts, day('2014-10-01'), day('2015-12-08'))).toBeUndefined();
  });

  it('a role started by a non-member makes it a member from then', () => {
    const facts = [fact('coalition.role-started', '2014-09-23', '2015-12-09', [{ kind: 'military-assistance' }])];
    expect(memberStateAt(facts, day('2014-09-24'), day('2016-01-01'))).toEqual({
      since: day('2014-09-23'),
      roles: [{ kind: 'military-assistance', theater: null, since: day('2014-09-23') }],
    });
  });

  it('a retracted report vanishes from answers known at or after the retraction, and stays before it', () => {
    const facts = [fact('coalition.member-joined', '2014-09-19', '2015-12-09', [], '2016-03-01')];
    expect(memberStateAt(facts, day('2015-01-01'), day('2016-02-29'))).toBeDefined();
    expect(memberStateAt(facts, day('2015-01-01'), day('2016-03-01'))).toBeUndefined();
  });

  it.each([
    ['a dozen facts over 40 days', 12, 40],
    ['thirty facts over 400 days', 30, 400],
  ])('the bitemporal rows answer exactly what the fold answers, for any facts and any (at, knownAt): %s', (_name, maxFacts, days) => {
    const dayNumber = fc.integer({ min: 0, max: days });
    fc.assert(
      fc.property(arbitraryFacts(maxFacts, days), fc.array(fc.tuple(dayNumber, dayNumber), { minLength: 20, maxLength: 20 }), (facts, questions) => {
        const rows = membershipHistory(facts);
        for (const [at, knownAt] of questions) {
          const expected = memberStateAt(facts, at * 86_400_000, knownAt * 86_400_000);
          expect(lookup(rows, at * 86_400_000, knownAt * 86_400_000)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a row across knowledge times while its valid range and state stay the same: no row goes on where another ends', () => {
    // each row is a GiST entry and a question's candidate: a segment unchanged from one knowledge
    // time to the next must keep its row, not end it and start an equal one
    fc.assert(
      fc.property(arbitraryFacts(30, 400), (facts) => {
        const rows = membershipHistory(facts);
        const segment = (r: MembershipRow) => `${r.validFrom}|${r.validTo}|${keyOf(r.state)}`;
        const ends = new Set(rows.filter((r) => r.knownTo !== null).map((r) => `${segment(r)}|${r.knownTo}`));
        for (const r of rows) expect(ends.has(`${segment(r)}|${r.knownFrom}`)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a fold says whether a fact changed its state, and goes on from a state it gave as if it had never stopped', () => {
    fc.assert(
      fc.property(arbitraryFacts(20, 40), fc.nat(), (facts, split) => {
        const ordered = [...facts].sort((a, b) => a.occurredAt - b.occurredAt || a.position - b.position);
        const whole = new MembershipFold();
        for (const f of ordered) {
          const before = keyOf(whole.state());
          const changed = whole.apply(f);
          expect(changed).toBe(keyOf(whole.state()) !== before);
        }
        const at = split % (ordered.length + 1);
        const first = new MembershipFold();
        for (const f of ordered.slice(0, at)) first.apply(f);
        const resumed = MembershipFold.from(first.state());
        for (const f of ordered.slice(at)) resumed.apply(f);
        expect(resumed.state()).toEqual(whole.state());
      }),
      { numRuns: 300 },
    );
  });
});

const keyOf = (state: MemberState | undefined) => (state ? memberStateKey(state) : '');

/** Membership facts of one pair: any types, roles, valid and knowledge times within `days`, some retracted. */
function arbitraryFacts(maxLength: number, days: number): fc.Arbitrary<MembershipFact[]> {
  const dayNumber = fc.integer({ min: 0, max: days });
  const role = fc.record({ kind: fc.constantFrom(...ROLE_KINDS.slice(0, 3)), theater: fc.option(fc.constantFrom('IQ', 'SY'), { nil: undefined }) });
  const arbitraryFact = fc.record({
    type: fc.constantFrom('coalition.member-joined', 'coalition.member-left', 'coalition.role-started', 'coalition.role-ended' as const),
    occurredAt: dayNumber,
    knownAt: dayNumber,
    roles: fc.array(role, { maxLength: 2 }),
    retractedAfter: fc.option(fc.integer({ min: 0, max: Math.ceil(days / 4) }), { nil: null }),
  });
  return fc.array(arbitraryFact, { maxLength }).map((raw) =>
    raw.map((f, i) => ({
      reportId: `f${i}`,
      type: f.type,
      occurredAt: f.occurredAt * 86_400_000,
      knownAt: f.knownAt * 86_400_000,
      position: i + 1,
      roles: f.type === 'coalition.member-joined' ? f.roles : f.roles.slice(0, 1).length ? f.roles.slice(0, 1) : [{ kind: 'other' as const }],
      retractedAt: f.retractedAfter === null ? null : (f.knownAt + f.retractedAfter) * 86_400_000,
    })),
  );
}
