import { embargoCheck, MAX_EMBARGO_DAYS, parseNewsEvent, type NewsEvent } from '@annals/contracts';

const DAY = 86_400_000;
const receivedAt = new Date('2026-12-01T10:00:00.000Z');
const reportPublished = (publishedAt?: string): NewsEvent => {
  const parsed = parseNewsEvent(
    JSON.stringify({ id: 'r', type: 'coalition.member-joined', occurredAt: '2014-09-19', source: { publisher: 'TASS', ...(publishedAt ? { publishedAt } : {}) }, data: { coalitionId: 'c', country: 'FR' } }),
  );
  if (!parsed.ok) throw new Error(parsed.rejection.detail);
  return parsed.event;
};

describe('embargo: how far ahead of its arrival a report may be published', () => {
  const check = embargoCheck(receivedAt);

  it('takes a report published before it arrived, one without publishedAt, and an embargo of up to a year', () => {
    expect(check(reportPublished('2015-12-09'))).toBeUndefined();
    expect(check(reportPublished())).toBeUndefined();
    expect(check(reportPublished('2026-12-02'))).toBeUndefined();
    // the last instant allowed, given with another offset
    const last = new Date(receivedAt.getTime() + MAX_EMBARGO_DAYS * DAY);
    expect(check(reportPublished(last.toISOString().replace('Z', '+00:00')))).toBeUndefined();
    // compared as instants, not as the text given: 11:30 at +02:00 is 09:30Z, within the limit (10:00Z)
    expect(last.toISOString()).toBe('2027-12-02T10:00:00.000Z');
    expect(check(reportPublished('2027-12-02T11:30:00+02:00'))).toBeUndefined();
    expect(check(reportPublished('2027-12-02T09:30:00-02:00'))?.reason).toBe('invalid-date');
  });

  it('refuses a publishedAt later than that as invalid-date, naming the field, the distance and the likely cause', () => {
    const last = new Date(receivedAt.getTime() + MAX_EMBARGO_DAYS * DAY);
    expect(check(reportPublished(new Date(last.getTime() + 1).toISOString()))?.reason).toBe('invalid-date');
    expect(check(reportPublished('2105-12-09'))).toEqual({
      reason: 'invalid-date',
      detail: `source.publishedAt: 2105-12-09T00:00:00.000Z is 28861 days after the report reached Annals (2026-12-01T10:00:00.000Z); an embargo holds a report back at most ${MAX_EMBARGO_DAYS} days: a mistyped year?`,
    });
  });
});
