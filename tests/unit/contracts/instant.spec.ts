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

describe('contract dates against the calendar of Date (and PostgreSQL)', () => {
  // leap years by all three rules (÷4, not ÷100, but ÷400), the range's ends, and some others
  const years = [1000, 1200, 1582, 1600, 1700, 1900, 1999, 2000, 2014, 2015, 2016, 2100, 2400, 2800, 9996, 9999];
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');

  it.each(years)('every day of %i is accepted as 00:00 UTC, and the day after each month\'s last is refused', (year) => {
    for (let month = 1; month <= 12; month++) {
      const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
      for (let day = 1; day <= last; day++) {
        const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
        expect(parseInstant(text)).toEqual({ ok: true, iso: new Date(Date.UTC(year, month - 1, day)).toISOString(), dateOnly: true });
      }
      const after = parseInstant(`${pad(year, 4)}-${pad(month)}-${pad(last + 1)}`);
      expect(after.ok).toBe(false);
    }
  });
});
