import { parseNewsEvent, type NewsEvent } from '@annals/contracts';
import { decideRecordReport, evolve, initialState, REPORT_STATE_METADATA_KEYS, reportDigest, streamIdFor, type ReportStreamState } from '@annals/domain';

function report(overrides: Record<string, unknown> = {}): NewsEvent {
  const base = {
    id: 'r-1',
    type: 'coalition.member-joined',
    occurredAt: '2014-09-19',
    source: { publisher: 'TASS', publishedAt: '2015-12-09' },
    data: { coalitionId: 'coalition-against-isis', country: 'FR' },
    ...overrides,
  };
  const parsed = parseNewsEvent(JSON.stringify(base));
  if (!parsed.ok) throw new Error(parsed.rejection.detail);
  return parsed.event;
}

/** Decides and folds each report in turn, as the ingestor does. */
function recordAll(reports: NewsEvent[]): { state: ReportStreamState; decisions: ReturnType<typeof decideRecordReport>[] } {
  let state = initialState();
  const decisions = reports.map((r) => {
    const decision = decideRecordReport(state, { report: r });
    if (decision.kind === 'record') state = evolve(state, decision.event);
    return decision;
  });
  return { state, decisions };
}

describe('domain: recording a report', () => {
  it('records a new report with its provenance, valid time and idempotency key', () => {
    const decision = decideRecordReport(initialState(), { report: report() });
    expect(decision).toMatchObject({
      kind: 'record',
      event: {
        type: 'coalition.member-joined',
        occurredAt: '2014-09-19T00:00:00.000Z',
        idempotencyKey: 'r-1',
        data: { report: { id: 'r-1', occurredAt: '2014-09-19T00:00:00.000Z', source: { publisher: 'TASS' } }, data: { coalitionId: 'coalition-against-isis', country: 'FR' } },
      },
    });
  });

  it('accepts a member of a coalition no report has formed yet, and the formation after it', () => {
    const { state, decisions } = recordAll([
      report(),
      report({ id: 'r-2', type: 'coalition.formed', occurredAt: '2014-09-05', data: { coalitionId: 'coalition-against-isis', name: 'Coalition against ISIS' } }),
    ]);
    expect(decisions.map((d) => d.kind)).toEqual(['record', 'record']);
    expect(state.version).toBe(2);
  });

  it('records late, out-of-order and contradicting reports instead of refusing them', () => {
    const { decisions } = recordAll([
      report({ id: 'left', type: 'coalition.member-left', occurredAt: '2016-01-01', data: { coalitionId: 'coalition-against-isis', country: 'FR' } }),
      report({ id: 'joined-late', occurredAt: '2014-09-19' }),
      report({ id: 'contradiction', occurredAt: '2014-10-01' }),
    ]);
    expect(decisions.map((d) => d.kind)).toEqual(['record', 'record', 'record']);
  });

  it('keeps a report of the same fact as a corroborating source, not a second membership', () => {
    const { decisions } = recordAll([report({ id: 'tass' }), report({ id: 'reuters', source: { publisher: 'Reuters' } })]);
    expect(decisions[1]).toMatchObject({ kind: 'record', event: { data: { report: { id: 'reuters' }, corroborates: 'tass' } } });
  });

  it('keeps a retraction\'s target apart from its own id', () => {
    const decision = decideRecordReport(initialState(), { report: report({ id: 'retraction-1', type: 'report.retracted', data: { reportId: 'r-1' } }) });
    expect(decision).toMatchObject({ kind: 'record', event: { data: { report: { id: 'retraction-1' }, data: { reportId: 'r-1' } } } });
  });

  it('treats a redelivered report as a no-op, whatever its key order or date spelling', () => {
    const again = report({ occurredAt: '2014-09-19T00:00:00Z' });
    expect(reportDigest(again)).toBe(reportDigest(report()));
    const { decisions } = recordAll([report(), again]);
    expect(decisions[1]).toEqual({ kind: 'duplicate', reportId: 'r-1' });
  });

  it('rebuilds a stream\'s state from the metadata keys a writer reads back, as from the whole events', () => {
    // after a restart the ingestor reads only REPORT_STATE_METADATA_KEYS of each stored event's metadata
    const reports = [report({ id: 'a' }), report({ id: 'b', source: { publisher: 'Reuters' } }), report({ id: 'c', occurredAt: '2014-10-01' })];
    const events = recordAll(reports).decisions.flatMap((d) => (d.kind === 'record' ? [d.event] : []));
    const readBack = events.map((e) => ({
      idempotencyKey: e.idempotencyKey,
      metadata: Object.fromEntries(REPORT_STATE_METADATA_KEYS.map((key) => [key, e.metadata[key]])),
    }));
    expect(readBack.reduce(evolve, initialState())).toEqual(events.reduce(evolve, initialState()));
    expect(events.reduce(evolve, initialState()).facts.size).toBe(2);
  });

  it('refuses a report id reused for different content as id-conflict', () => {
    const { decisions } = recordAll([report(), report({ data: { coalitionId: 'coalition-against-isis', country: 'DK' } })]);
    expect(decisions[1]).toMatchObject({ kind: 'reject', reason: 'id-conflict' });
  });

  it('puts each report in the stream of what it is about', () => {
    expect(streamIdFor(report())).toBe('coalition:coalition-against-isis');
    expect(streamIdFor(report({ type: 'stance.declared', data: { country: 'SY', subject: 's', stance: 'opposes' } }))).toBe('country:SY');
    expect(streamIdFor(report({ type: 'diplomacy.meeting', occurredAt: '2015-12-10', data: { participants: ['RU', 'IT'], topics: [] } }))).toBe('diplomacy:2015');
    expect(streamIdFor(report({ type: 'report.retracted', data: { reportId: 'x' } }))).toBe('retractions');
  });
});
