import { NotFoundError, StateCopyBuilder, type SourceFields } from '@annals/queries';

/**
 * The copy's answers, by the rules of docs/semantics.md, on rows written out by hand: what the
 * read model would hold after these reports. (That it answers as the SQL statement does on a
 * real read model: tests/integration/queries/state-copy.spec.ts.)
 */
const ms = (instant: string) => Date.parse(instant.length === 10 ? `${instant}T00:00:00.000Z` : instant);
const src = (reportId: string, publishedAt: string | null = null): SourceFields => ({ reportId, publisher: 'Desk', url: null, publishedAt });
const ref = (reportId: string, publishedAt: string | null = null) => ({ reportId, publisher: 'Desk', url: null, publishedAt });

function copy() {
  const b = new StateCopyBuilder(4, 2);
  // facts by pair, each pair in source order
  b.addFact('c1', 'FR', ms('2014-09-19'), ms('2014-09-20'), null, src('fr-joins', '2014-09-20T08:00:00+02:00'));
  b.addFact('c1', 'FR', ms('2014-09-25'), ms('2015-01-01'), null, src('fr-role-late'));
  b.addFact('c1', 'FR', ms('2014-10-01'), ms('2014-10-02'), ms('2014-12-01'), src('fr-retracted'));
  b.addFact('c1', 'US', ms('2014-08-08'), ms('2014-08-09'), null, src('us-joins'));
  // membership rows by coalition and country: US open-ended; FR left on 1 November
  b.addMembershipRow('c1', 'FR', [ms('2014-09-19'), ms('2014-11-01')], [ms('2014-09-20'), null], ms('2014-09-19'), []);
  b.addMembershipRow('c1', 'US', [ms('2014-08-08'), null], [ms('2014-08-09'), null], ms('2014-08-08'), [{ kind: 'air-strikes', theater: 'IQ', since: '2014-08-08T00:00:00+00:00' }]);
  // formations in fold order: A, retracted on 1 January 2015; then B
  b.addFormed('c1', ms('2014-09-05'), ms('2014-09-06'), ms('2015-01-01'), 'A');
  b.addFormed('c1', ms('2014-09-10'), ms('2014-09-07'), null, 'B');
  b.addCoalition('c1');
  b.addCoalition('c2');
  return b.build();
}

const us = { country: 'US', since: '2014-08-08T00:00:00.000Z', roles: [{ kind: 'air-strikes', theater: 'IQ', since: '2014-08-08T00:00:00.000Z' }], sources: [ref('us-joins')], sourceCount: 1 };
const ask = (id: string, at: string, knownAt: string, sources?: number) => JSON.parse(copy().answer(id, new Date(at), new Date(knownAt), sources).toString('utf8'));

describe('StateCopy: the coalition state from memory', () => {
  it('lists the members valid at `at` as known at `knownAt`, by country, with their visible sources in order', () => {
    expect(ask('c1', '2014-10-15T00:00:00.000Z', '2014-11-15T00:00:00.000Z')).toEqual({
      id: 'c1',
      name: 'A',
      formedAt: '2014-09-05T00:00:00.000Z',
      at: '2014-10-15T00:00:00.000Z',
      knownAt: '2014-11-15T00:00:00.000Z',
      members: [
        // not yet known of the late role report; the retracted one not yet retracted
        { country: 'FR', since: '2014-09-19T00:00:00.000Z', roles: [], sources: [ref('fr-joins', '2014-09-20T06:00:00.000Z'), ref('fr-retracted')], sourceCount: 2 },
        us,
      ],
    });
  });

  it('leaves out what is retracted by `knownAt`, takes in what is known by then, and names the coalition by its first visible formation', () => {
    const state = ask('c1', '2014-10-15T00:00:00.000Z', '2015-06-01T00:00:00.000Z');
    expect([state.name, state.formedAt]).toEqual(['B', '2014-09-10T00:00:00.000Z']);
    expect(state.members[0].sources.map((s: { reportId: string }) => s.reportId)).toEqual(['fr-joins', 'fr-role-late']);
  });

  it('holds ranges [from, to): a member from its first instant, no longer at its last', () => {
    const members = (at: string, knownAt = '2016-01-01T00:00:00.000Z') => ask('c1', at, knownAt).members.map((m: { country: string }) => m.country);
    expect(members('2014-09-18T23:59:59.999Z')).toEqual(['US']);
    expect(members('2014-09-19T00:00:00.000Z')).toEqual(['FR', 'US']);
    expect(members('2014-10-31T23:59:59.999Z')).toEqual(['FR', 'US']);
    expect(members('2014-11-01T00:00:00.000Z')).toEqual(['US']);
    expect(members('2014-10-15T00:00:00.000Z', '2014-08-09T00:00:00.000Z')).toEqual(['US']);
    expect(members('2014-10-15T00:00:00.000Z', '2014-08-08T23:59:59.999Z')).toEqual([]);
  });

  it('lists sources that occurred by `at` only', () => {
    const fr = ask('c1', '2014-09-30T00:00:00.000Z', '2015-06-01T00:00:00.000Z').members[0];
    expect(fr.sources.map((s: { reportId: string }) => s.reportId)).toEqual(['fr-joins', 'fr-role-late']);
    expect(ask('c1', '2014-09-24T00:00:00.000Z', '2015-06-01T00:00:00.000Z').members[0].sources.map((s: { reportId: string }) => s.reportId)).toEqual(['fr-joins']);
  });

  it('lists the first `sources` when asked, and counts them all', () => {
    const at = '2014-10-15T00:00:00.000Z';
    const knownAt = '2014-11-15T00:00:00.000Z';
    expect(ask('c1', at, knownAt, 1).members[0]).toMatchObject({ sources: [ref('fr-joins', '2014-09-20T06:00:00.000Z')], sourceCount: 2 });
    expect(ask('c1', at, knownAt, 0).members).toEqual([{ ...ask('c1', at, knownAt).members[0], sources: [], sourceCount: 2 }, { ...us, sources: [] }]);
  });

  it('has no name before any formation is known, and no members for a coalition without them', () => {
    expect(ask('c1', '2014-10-15T00:00:00.000Z', '2014-08-10T00:00:00.000Z')).toMatchObject({ name: null, formedAt: null });
    expect(ask('c2', '2014-10-15T00:00:00.000Z', '2016-01-01T00:00:00.000Z')).toEqual({
      id: 'c2',
      name: null,
      formedAt: null,
      at: '2014-10-15T00:00:00.000Z',
      knownAt: '2016-01-01T00:00:00.000Z',
      members: [],
    });
  });

  it('says a coalition no report named is unknown', () => {
    expect(() => copy().answer('c3', new Date(), new Date())).toThrow(new NotFoundError('no coalition "c3"'));
  });

  it("keeps a member once for a pair's rows that repeat it, each row answering with its own ranges", () => {
    // FR in a coalition with five roles: known from 20 September 2014 to be a member until 1
    // November; from 1 January 2015 (a later report) until 1 December. Same member, two rows.
    const roles = ['IQ', 'SY', 'LY', 'YE', 'ML'].map((theater) => ({ kind: 'air-strikes', theater, since: '2014-09-19T00:00:00.000Z' }));
    const build = (rows: Array<[[number, number], [number, number | null]]>) => {
      const b = new StateCopyBuilder(1, rows.length);
      b.addFact('c1', 'FR', ms('2014-09-19'), ms('2014-09-20'), null, src('fr-joins'));
      for (const [valid, known] of rows) b.addMembershipRow('c1', 'FR', valid, known, ms('2014-09-19'), roles);
      return b.build();
    };
    const first: [[number, number], [number, number | null]] = [[ms('2014-09-19'), ms('2014-11-01')], [ms('2014-09-20'), ms('2015-01-01')]];
    const second: [[number, number], [number, number | null]] = [[ms('2014-09-19'), ms('2014-12-01')], [ms('2015-01-01'), null]];
    const both = build([first, second]);
    const members = (at: string, knownAt: string) => JSON.parse(both.answer('c1', new Date(at), new Date(knownAt)).toString('utf8')).members;
    const fr = { country: 'FR', since: '2014-09-19T00:00:00.000Z', roles, sources: [ref('fr-joins')], sourceCount: 1 };
    expect(members('2014-11-15T00:00:00.000Z', '2014-12-01T00:00:00.000Z')).toEqual([]);
    expect(members('2014-11-15T00:00:00.000Z', '2015-02-01T00:00:00.000Z')).toEqual([fr]);
    expect(members('2014-10-15T00:00:00.000Z', '2014-12-01T00:00:00.000Z')).toEqual([fr]);
    // the second row costs its ranges, not the member's bytes again
    const opening = Buffer.byteLength(JSON.stringify({ country: 'FR', since: fr.since, roles }));
    expect(opening).toBeGreaterThan(400);
    expect(both.bytes - build([first]).bytes).toBeLessThan(100);
  });

  it('refuses rows out of the order it takes, naming what is wrong', () => {
    const scattered = new StateCopyBuilder(3, 0);
    scattered.addFact('c1', 'FR', 1, 1, null, src('a'));
    scattered.addFact('c1', 'US', 1, 1, null, src('b'));
    expect(() => scattered.addFact('c1', 'FR', 2, 2, null, src('c'))).toThrow('the facts of "c1" FR are not together');

    const late = new StateCopyBuilder(1, 1);
    late.addMembershipRow('c1', 'FR', [null, null], [null, null], 0, []);
    expect(() => late.addFact('c1', 'FR', 1, 1, null, src('a'))).toThrow('facts come before membership rows');

    const short = new StateCopyBuilder(2, 0);
    short.addFact('c1', 'FR', 1, 1, null, src('a'));
    expect(() => short.build()).toThrow('1 facts and 0 membership rows given, 2 and 0 announced');
  });
});
