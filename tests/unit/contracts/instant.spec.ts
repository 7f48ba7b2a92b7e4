import { parseInstant } from '@annals/contracts';

describe('contract dates', () => {
  it.each([
    ['2014-09-19', '2014-09-19T00:00:00.000Z'],
    ['2015-12-09T08:30:00+03:00', '2015-12-09T05:30:00.000Z'],
    ['2014-09-19T23:59:59.999Z', '2014-09-19T23:59:59.999Z'],
    ['2014-09-19t10:00:00-05:30', '2014-09-19T15:30:00.000Z'],
    ['2016-02-29', '2016-02-29T00:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseInstant(text)).toEqual({ ok: true, iso, dateOnly: text.length === 10 });
  });

  it.each([
    ['0000-00-00', /year 0 is outside 1000-9999/],
    ['275760-09-13', /must be YYYY-MM-DD/],
    ['2015-02-29', /day 29 does not exist in 2015-02/],
    ['2014-13-01', /month 13 does not exist/],
    ['2014-09-19T10:00:00', /must be YYYY-MM-DD or an RFC 3339 date-time with an offset/],
    ['2014-09-19T24:00:00Z', /hour 24 does not exist/],
    ['2014-09-19T10:60:00Z', /minute 60/],
    ['2016-12-31T23:59:60Z', /no leap seconds/],
    ['2014-09-19T10:00:00+25:00', /offset \+25:00 does not exist/],
    ['19 Sept 2014', /must be YYYY-MM-DD/],
  ])('%s is refused: %s', (text, message) => {
    const result = parseInstant(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});
