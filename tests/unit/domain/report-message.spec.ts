import { parseNewsEvent, type NewsEvent } from '@annals/contracts';
import { decideRecordReport, reportDigest, reportMessage } from '@annals/domain';

const empty = { reports: { get: () => undefined }, facts: { get: () => undefined } };

function recorded(text: string) {
  const parsed = parseNewsEvent(text);
  if (!parsed.ok) throw new Error(parsed.rejection.detail);
  const decision = decideRecordReport(empty, { report: parsed.event });
  if (decision.kind !== 'record') throw new Error(decision.kind);
  return { report: parsed.event, event: decision.event };
}

describe('reportMessage: a stored report event as the message of the contract', () => {
  const sent = '{"id":"r1","type":"coalition.member-joined","occurredAt":"2014-09-19T10:00:00+03:00","source":{"publisher":"TASS"},"data":{"coalitionId":"c","country":"FR","roles":[{"kind":"air-strikes","theater":"IQ"}]}}';

  it('parses back to the report stored, with its digest: sent again, it is a redelivery', () => {
    const { report, event } = recorded(sent);
    const again = parseNewsEvent(JSON.stringify(reportMessage(event.type, event.data)));
    expect(again.ok && reportDigest(again.event)).toBe(reportDigest(report));
  });

  it('gives the recorded time as publishedAt only to a report that had none', () => {
    const at = new Date('2026-11-30T12:00:00.123Z');
    const { event } = recorded(sent);
    expect((reportMessage(event.type, event.data, at)!.source as NewsEvent['source']).publishedAt).toBe('2026-11-30T12:00:00.123Z');
    const published = recorded(sent.replace('"publisher":"TASS"', '"publisher":"TASS","publishedAt":"2015-12-09"'));
    expect((reportMessage(published.event.type, published.event.data, at)!.source as NewsEvent['source']).publishedAt).toBe('2015-12-09T00:00:00.000Z');
  });

  it('has nothing to give for an event that records no report', () => {
    expect(reportMessage('audit.note', { text: 'not a report' })).toBeUndefined();
    expect(reportMessage('audit.note', null)).toBeUndefined();
  });
});
