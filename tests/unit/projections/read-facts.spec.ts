import { parseNewsEvent } from '@annals/contracts';
import { decideRecordReport } from '@annals/domain';
import type { StoredEventCore } from '@annals/event-store';
import { readFacts } from '@annals/projections';
import { seedReports } from '../../support/system';
import { deskReport, randomReport, rng, type Report } from '../../support/news-factory';

/** A report as the ingestor stores it: parsed by the contract, its event decided by the domain. */
function stored(report: Report | string, position = 1): StoredEventCore {
  const parsed = parseNewsEvent(typeof report === 'string' ? report : JSON.stringify(report));
  if (!parsed.ok) throw new Error(`not a valid report: ${parsed.rejection.detail}`);
  const decision = decideRecordReport({ reports: new Map(), facts: new Map() }, { report: parsed.event });
  if (decision.kind !== 'record') throw new Error('not recorded');
  return {
    position,
    transactionId: '1',
    streamId: `stream-${position}`,
    streamVersion: 1,
    type: decision.event.type,
    schemaVersion: 1,
    storedSchemaVersion: 1,
    data: decision.event.data,
    recordedAt: new Date('2020-01-01T00:00:00Z'),
  };
}

/** The stored event with its data changed by `change` (on a deep copy). */
function altered(event: StoredEventCore, change: (data: any) => void): StoredEventCore {
  const data = structuredClone(event.data);
  change(data);
  return { ...event, data };
}

const joined = stored(deskReport('joined', 'coalition.member-joined', '2014-09-19', '2014-09-20', { coalitionId: 'c-1', country: 'FR', roles: [{ kind: 'air-strikes', theater: 'IQ' }] }), 1);
const roleStarted = stored(deskReport('role', 'coalition.role-started', '2014-10-01', '2014-10-02', { coalitionId: 'c-1', country: 'FR', role: { kind: 'training' } }), 2);
const retraction = stored(deskReport('retraction', 'report.retracted', '2015-01-01', '2015-01-01', { reportId: 'joined' }), 3);
const stance = stored(deskReport('stance', 'stance.declared', '2014-09-10', '2014-09-10', { country: 'RU', subject: 'air strikes', stance: 'opposes' }), 5);
const meeting = stored(deskReport('meeting', 'diplomacy.meeting', '2014-09-15', '2014-09-15', { participants: ['FR', 'US'], topics: ['ISIS'] }), 4);

describe('projection: reading stored reports (readFacts)', () => {
  it('reads every report the ingestor stores: the seed dataset and random membership reports, none skipped', () => {
    const random = rng(7);
    const events = [...seedReports().map((line, i) => stored(line, i + 1)), ...Array.from({ length: 500 }, (_, i) => stored(randomReport(random, `random-${i}`), 1000 + i))];
    const { facts, skipped } = readFacts(events);
    expect(skipped).toEqual([]);
    expect(facts.map((f) => f.position)).toEqual(events.map((e) => e.position));
  });

  it('passes over events that are not reports, as before', () => {
    const other = { ...joined, type: 'something.else', data: 'anything' };
    expect(readFacts([other])).toEqual({ facts: [], skipped: [] });
  });

  // each: the event, what to break, and what the reason must name
  const broken: Array<[string, StoredEventCore, (data: any) => void, RegExp]> = [
    ['empty data', joined, (d) => Object.keys(d).forEach((k) => delete d[k]), /^data\.report is missing, not an object$/],
    ['no report envelope', joined, (d) => delete d.report, /^data\.report is missing, not an object$/],
    ['report id empty', joined, (d) => (d.report.id = ''), /^data\.report\.id is "", not a non-empty string of at most 128 characters$/],
    ['report id a number', joined, (d) => (d.report.id = 42), /^data\.report\.id is 42, not a non-empty string of at most 128 characters$/],
    ['occurredAt not a date', joined, (d) => (d.report.occurredAt = 'last tuesday'), /^data\.report\.occurredAt is "last tuesday", not an instant in the years 1000-9999$/],
    ['occurredAt missing', roleStarted, (d) => delete d.report.occurredAt, /^data\.report\.occurredAt is missing, not an instant in the years 1000-9999$/],
    // JavaScript reads these; PostgreSQL refuses a time before 4713 BC
    ['occurredAt before the year 1000', joined, (d) => (d.report.occurredAt = '-100000-01-01T00:00:00.000Z'), /^data\.report\.occurredAt is "-100000-01-01T00:00:00\.000Z", not an instant in the years 1000-9999$/],
    ['publishedAt after the year 9999', roleStarted, (d) => (d.report.source.publishedAt = '+010000-01-01T00:00:00.000Z'), /^data\.report\.source\.publishedAt is "\+010000-01-01T00:00:00\.000Z", not an instant in the years 1000-9999$/],
    ['source missing', joined, (d) => delete d.report.source, /^data\.report\.source is missing, not an object$/],
    ['publishedAt not a date', joined, (d) => (d.report.source.publishedAt = '2014-13-45'), /^data\.report\.source\.publishedAt is "2014-13-45", not an instant in the years 1000-9999$/],
    ['no data', meeting, (d) => delete d.data, /^data\.data is missing, not an object$/],
    ['membership without country', joined, (d) => delete d.data.country, /^data\.data\.country is missing, not a country code$/],
    ['membership coalition a number', roleStarted, (d) => (d.data.coalitionId = 7), /^data\.data\.coalitionId is 7, not a non-empty string of at most 64 characters$/],
    ['related coalition not a string', meeting, (d) => (d.data.coalitionId = ['c-1']), /^data\.data\.coalitionId is \["c-1"\], not a non-empty string of at most 64 characters$/],
    ['roles not a list', joined, (d) => (d.data.roles = 'air-strikes'), /^data\.data\.roles is "air-strikes", not a list of at most 20 roles$/],
    ['a role of an unknown kind', joined, (d) => d.data.roles.push({ kind: 'cheering' }), /^data\.data\.roles\[1\]\.kind is "cheering", not one of air-strikes, /],
    ['a role that is a string', roleStarted, (d) => (d.data.role = 'training'), /^data\.data\.role is "training", not a role$/],
    ['a theater that is a number', roleStarted, (d) => (d.data.role.theater = 1), /^data\.data\.role\.theater is 1, not a country code$/],
    ['retraction without target', retraction, (d) => delete d.data.reportId, /^data\.data\.reportId is missing, not a non-empty string of at most 128 characters$/],
    // longer than the contract allows: far longer, an index entry outgrows a btree page
    ['report id too long', joined, (d) => (d.report.id = 'r'.repeat(129)), /^data\.report\.id is "r+\.\.\., not a non-empty string of at most 128 characters$/],
    ['coalition id too long', roleStarted, (d) => (d.data.coalitionId = 'c'.repeat(65)), /^data\.data\.coalitionId is "c+\.\.\., not a non-empty string of at most 64 characters$/],
    ['a stance with a long country', stance, (d) => (d.data.country = 'France'), /^data\.data\.country is "France", not a country code$/],
    ['too many roles', joined, (d) => (d.data.roles = Array.from({ length: 21 }, () => ({ kind: 'other' }))), /^data\.data\.roles is \[\{"kind":"other"\}.*, not a list of at most 20 roles$/],
    ['retraction target too long', retraction, (d) => (d.data.reportId = 'x'.repeat(3000)), /^data\.data\.reportId is "x+\.\.\., not a non-empty string of at most 128 characters$/],
  ];

  it.each(broken)('skips a report it cannot read (%s), naming the field, and reads the rest of the batch', (_, event, change, reason) => {
    const bad = altered(event, change);
    const { facts, skipped } = readFacts([meeting, bad, joined]);
    expect(skipped).toEqual([{ position: bad.position, streamId: bad.streamId, type: bad.type, reason: expect.stringMatching(reason) }]);
    expect(facts.map((f) => f.reportId)).toEqual(['meeting', 'joined']);
  });

  it('skips a report whose data is not an object at all', () => {
    const { skipped } = readFacts([{ ...joined, data: null }, { ...joined, data: [1, 2], position: 9 }]);
    expect(skipped.map((s) => s.reason)).toEqual(["the event's data is null, not an object", "the event's data is [1,2], not an object"]);
  });

  it('shows a long value cut short in the reason', () => {
    const { skipped } = readFacts([altered(joined, (d) => (d.report.occurredAt = 'x'.repeat(500)))]);
    expect(skipped[0]!.reason.length).toBeLessThan(140);
    expect(skipped[0]!.reason).toMatch(/^data\.report\.occurredAt is "x{50,}\.\.\., not an instant in the years 1000-9999$/);
  });
});
