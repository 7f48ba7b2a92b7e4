import { isoInstant } from '../../../libs/queries/src/iso-instant';

describe('isoInstant: instants from the read model in the API form', () => {
  it('returns an instant already in the API form as it is', () => {
    expect(isoInstant('2014-09-19T00:00:00.000Z')).toBe('2014-09-19T00:00:00.000Z');
  });

  it("converts PostgreSQL's JSON rendering of a timestamptz to UTC with milliseconds", () => {
    expect(isoInstant('2011-05-09T00:00:00+00:00')).toBe('2011-05-09T00:00:00.000Z');
    expect(isoInstant('2014-09-19T10:30:00+02:00')).toBe('2014-09-19T08:30:00.000Z');
    expect(isoInstant('2014-09-19T10:30:00.5+00:00')).toBe('2014-09-19T10:30:00.500Z');
  });

  it('does not take a near miss of the API form for it', () => {
    expect(isoInstant('2014-09-19T10:30:00.000z')).toBe('2014-09-19T10:30:00.000Z');
    expect(isoInstant('2014-09-19T10:30:00Z')).toBe('2014-09-19T10:30:00.000Z');
    expect(isoInstant('2014-09-19 10:30:00.000Z')).toBe('2014-09-19T10:30:00.000Z');
  });
});
