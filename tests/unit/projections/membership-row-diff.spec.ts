import type { MembershipRow } from '@annals/domain';
import { diffMembershipRows, type StoredMembershipRow } from '@annals/projections';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const row = (validFrom: string, validTo: string | null, knownFrom: string, knownTo: string | null, roles: MembershipRow['state']['roles'] = []): MembershipRow => ({
  validFrom: day(validFrom),
  validTo: validTo ? day(validTo) : null,
  knownFrom: day(knownFrom),
  knownTo: knownTo ? day(knownTo) : null,
  state: { since: day(validFrom), roles },
});
const stored = (ctid: string, r: MembershipRow): StoredMembershipRow => ({ ctid, row: r });

describe('membership rows: what a recomputation rewrites', () => {
  it('a report known after the others closes the open row and adds rows; the closed rows stay untouched', () => {
    const before = [row('2014-09-19', null, '2014-09-20', '2015-01-01'), row('2014-09-19', null, '2015-01-01', null)];
    const after = [row('2014-09-19', null, '2014-09-20', '2015-01-01'), row('2014-09-19', null, '2015-01-01', '2016-03-01'), row('2014-09-19', '2015-06-01', '2016-03-01', null)];
    const diff = diffMembershipRows([stored('(0,1)', before[0]!), stored('(0,2)', before[1]!)], after);
    expect(diff.remove).toEqual(['(0,2)']);
    expect(diff.add).toEqual([after[1], after[2]]);
  });

  it('rows equal in every field are the same row; a difference in any field, roles included, is another', () => {
    const base = row('2014-09-19', null, '2014-09-20', null, [{ kind: 'air-strikes', theater: 'IQ', since: day('2014-09-19') }]);
    const variants: MembershipRow[] = [
      { ...base, validFrom: day('2014-09-18') },
      { ...base, validTo: day('2015-01-01') },
      { ...base, knownFrom: day('2014-09-21') },
      { ...base, knownTo: day('2015-01-01') },
      { ...base, state: { ...base.state, since: day('2014-09-18') } },
      { ...base, state: { ...base.state, roles: [{ kind: 'air-strikes', theater: 'SY', since: day('2014-09-19') }] } },
      { ...base, state: { ...base.state, roles: [{ kind: 'air-strikes', theater: null, since: day('2014-09-19') }] } },
      { ...base, state: { ...base.state, roles: [{ kind: 'air-strikes', theater: 'IQ', since: day('2014-09-20') }] } },
      { ...base, state: { ...base.state, roles: [] } },
    ];
    expect(diffMembershipRows([stored('(0,1)', base)], [{ ...base, state: { ...base.state, roles: [...base.state.roles] } }])).toEqual({ remove: [], add: [] });
    for (const variant of variants) expect(diffMembershipRows([stored('(0,1)', base)], [variant])).toEqual({ remove: ['(0,1)'], add: [variant] });
  });

  it('duplicates are counted: two stored copies of a wanted row keep one', () => {
    const r = row('2014-09-19', null, '2014-09-20', null);
    expect(diffMembershipRows([stored('(0,1)', r), stored('(0,2)', r)], [r])).toEqual({ remove: ['(0,1)'], add: [] });
  });

  it('a pair with no rows yet gets all of them; a pair that should have none loses all', () => {
    const rows = [row('2014-09-19', null, '2014-09-20', null)];
    expect(diffMembershipRows([], rows)).toEqual({ remove: [], add: rows });
    expect(diffMembershipRows([stored('(3,7)', rows[0]!)], [])).toEqual({ remove: ['(3,7)'], add: [] });
  });
});
