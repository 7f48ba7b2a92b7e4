import { MAX_MESSAGE_BYTES, NEWS_EVENT_TYPES, newsEventJsonSchema, parseNewsEvent, type ParseResult } from '@annals/contracts';

const joined = {
  id: 'tass-2015-12-09-fr',
  type: 'coalition.member-joined',
  occurredAt: '2014-09-19',
  source: { publisher: 'TASS', url: 'https://tass.com/world/842285', publishedAt: '2015-12-09' },
  data: { coalitionId: 'coalition-against-isis', country: 'FR', roles: [{ kind: 'air-strikes', theater: 'IQ' }] },
};

const parse = (value: unknown): ParseResult => parseNewsEvent(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
const reasonOf = (value: unknown) => {
  const result = parse(value);
  return result.ok ? 'ok' : result.rejection.reason;
};
const detailOf = (value: unknown) => {
  const result = parse(value);
  return result.ok ? '' : result.rejection.detail;
};

describe('news-event contract v1', () => {
  it('accepts a valid report and normalizes its dates to UTC instants', () => {
    const result = parse(joined);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({
      id: 'tass-2015-12-09-fr',
      schemaVersion: 1,
      occurredAt: '2014-09-19T00:00:00.000Z',
      source: { publishedAt: '2015-12-09T00:00:00.000Z' },
      data: { country: 'FR', roles: [{ kind: 'air-strikes', theater: 'IQ' }] },
    });
  });

  it('accepts every type of the contract', () => {
    const examples: Record<string, object> = {
      'coalition.formed': { coalitionId: 'c', name: 'International coalition against ISIS', initiator: 'US', place: 'Newport, Wales' },
      'coalition.member-joined': { coalitionId: 'c', country: 'DK' },
      'coalition.member-left': { coalitionId: 'c', country: 'DK' },
      'coalition.role-started': { coalitionId: 'c', country: 'US', role: { kind: 'air-strikes', theater: 'SY' } },
      'coalition.role-ended': { coalitionId: 'c', country: 'US', role: { kind: 'air-strikes' } },
      'report.retracted': { reportId: 'other' },
      'coalition.proposed': { coalitionId: 'broad-anti-terrorist-coalition', name: 'Broad anti-terrorist coalition', proposer: 'RU' },
      'diplomacy.meeting': { participants: ['RU', 'IT'], place: 'Rome', endsAt: '2015-12-11', topics: ['ISIS', 'Syria'] },
      'stance.declared': { country: 'SY', subject: 'US military intervention in Syria', stance: 'opposes' },
      'territory.control-reported': { actor: 'ISIS', country: 'SY', share: 0.25 },
    };
    expect(Object.keys(examples).sort()).toEqual([...NEWS_EVENT_TYPES].sort());
    for (const [type, data] of Object.entries(examples)) expect([type, reasonOf({ ...joined, type, data })]).toEqual([type, 'ok']);
  });

  it.each([
    ['not JSON', '{"id": ', 'not-json'],
    ['a JSON array', '[1,2]', 'not-an-object'],
    ['a JSON string', '"hello"', 'not-an-object'],
    ['an unknown type', { ...joined, type: 'coalition.dissolved' }, 'unknown-type'],
    ['a newer schema version', { ...joined, schemaVersion: 2 }, 'unsupported-version'],
    ['schemaVersion 0', { ...joined, schemaVersion: 0 }, 'contract-violation'],
    ['a lower-case country', { ...joined, data: { ...joined.data, country: 'fr' } }, 'invalid-country'],
    ['a country that does not exist', { ...joined, data: { ...joined.data, country: 'XX' } }, 'invalid-country'],
    ['a bad theater', { ...joined, data: { ...joined.data, roles: [{ kind: 'air-strikes', theater: 'Iraq' }] } }, 'invalid-country'],
    ['an impossible date', { ...joined, occurredAt: '2014-02-30' }, 'invalid-date'],
    ['year 275760', { ...joined, source: { publisher: 'TASS', publishedAt: '+275760-09-13' } }, 'invalid-date'],
    ['a missing publisher', { ...joined, source: {} }, 'contract-violation'],
    ['an unknown field', { ...joined, extra: true }, 'contract-violation'],
    ['a __proto__ key', '{"__proto__": {"polluted": true}, ' + JSON.stringify(joined).slice(1), 'contract-violation'],
    ['a bad coalition id', { ...joined, data: { ...joined.data, coalitionId: 'Coalition Against ISIS' } }, 'contract-violation'],
    ['a relative url', { ...joined, source: { publisher: 'TASS', url: '/world/1' } }, 'contract-violation'],
    ['an unknown role kind', { ...joined, data: { ...joined.data, roles: [{ kind: 'cheering' }] } }, 'contract-violation'],
    ['a share above 1', { ...joined, type: 'territory.control-reported', data: { actor: 'ISIS', country: 'SY', share: 1.5 } }, 'contract-violation'],
    ['a self-retraction', { ...joined, type: 'report.retracted', data: { reportId: joined.id } }, 'contract-violation'],
    ['an id of 129 characters', { ...joined, id: 'x'.repeat(129) }, 'contract-violation'],
    ['a NUL character', { ...joined, id: 'a\u0000b' }, 'contract-violation'],
    ['a lone surrogate', '{"id":"\\ud800","type":"stance.declared"}', 'contract-violation'],
  ])('refuses %s as %s', (_what, value, reason) => {
    expect(reasonOf(value)).toBe(reason);
  });

  it('refuses a meeting that ends before it starts, comparing instants, and a country or a role listed twice, naming it', () => {
    const meeting = { ...joined, type: 'diplomacy.meeting', occurredAt: '2015-12-10T10:00:00+03:00', data: { participants: ['RU', 'IT'], topics: ['Syria'] } };
    const endsAt = (value: string) => parse({ ...meeting, data: { ...meeting.data, endsAt: value } });
    expect(endsAt('2015-12-10T06:59:59Z')).toEqual({
      ok: false,
      rejection: { reason: 'invalid-date', detail: 'data.endsAt: is before occurredAt (2015-12-10T07:00:00.000Z): a meeting ends after it starts (got "2015-12-10T06:59:59.000Z")' },
    });
    // the same instant written with another offset, and a meeting of no duration, are fine
    expect(endsAt('2015-12-10T08:00:00+01:00').ok).toBe(true);
    expect(endsAt('2015-12-11').ok).toBe(true);
    expect(parse({ ...meeting, data: { ...meeting.data, participants: ['RU', 'IT', 'RU'] } })).toEqual({
      ok: false,
      rejection: { reason: 'contract-violation', detail: 'data.participants.2: lists RU twice' },
    });
    const roles = [{ kind: 'air-strikes', theater: 'IQ' }, { kind: 'training' }, { kind: 'air-strikes', theater: 'SY' }];
    expect(reasonOf({ ...joined, data: { ...joined.data, roles } })).toBe('ok');
    expect(detailOf({ ...joined, data: { ...joined.data, roles: [...roles, { kind: 'air-strikes', theater: 'IQ' }] } })).toBe('data.roles.3: lists air-strikes in IQ twice');
    expect(detailOf({ ...joined, data: { ...joined.data, roles: [...roles, { kind: 'training' }] } })).toBe('data.roles.3: lists training twice');
  });

  it('finds a NUL or a lone surrogate wherever and however it is written', () => {
    const text = JSON.stringify(joined);
    expect(detailOf(text.replace('"data"', '"da\\u0000ta"'))).toMatch(/NUL character/);
    expect(detailOf(text.replace('TASS', 'TASS \\uDC00'))).toMatch(/lone UTF-16 surrogate/);
    expect(detailOf(text.replace('TASS', 'TASS \\ud83d'))).toMatch(/lone UTF-16 surrogate/);
    // a message handed over as a string (not bytes) may carry a lone surrogate unescaped
    const raw = parseNewsEvent(text.replace('TASS', 'TASS \ud800'));
    expect(raw.ok ? '' : raw.rejection.detail).toMatch(/lone UTF-16 surrogate/);
  });

  it('accepts text that only looks like a NUL or a surrogate, and surrogate pairs, escaped or not', () => {
    // a backslash followed by "u0000" (escaped in JSON as \\u0000) is six ordinary characters
    expect(reasonOf({ ...joined, source: { publisher: 'TASS \\u0000 \\ud800' } })).toBe('ok');
    expect(reasonOf(JSON.stringify(joined).replace('TASS', 'TASS \\ud83d\\ude00'))).toBe('ok');
    expect(reasonOf({ ...joined, source: { publisher: 'TASS \u{1F600}' } })).toBe('ok');
  });

  it('says which field is wrong and what it got', () => {
    expect(detailOf({ ...joined, data: { ...joined.data, country: 'XX' } })).toBe('data.country: is not an ISO 3166-1 alpha-2 country code (got "XX")');
    expect(detailOf({ ...joined, extra: 1 })).toMatch(/unknown field\(s\) "extra"/);
    expect(detailOf({ ...joined, occurredAt: '2014-02-30' })).toMatch(/occurredAt: day 30 does not exist in 2014-02/);
  });

  it('ignores a byte order mark before the JSON, whether the message comes as bytes (the ingestor) or as text (annals publish)', () => {
    const text = JSON.stringify(joined);
    const ok = (result: ParseResult) => (result.ok ? 'ok' : result.rejection.reason);
    expect(ok(parseNewsEvent(Buffer.from(`\uFEFF${text}`)))).toBe('ok');
    expect(ok(parseNewsEvent(`\uFEFF${text}`))).toBe('ok');
    // only before it: one inside a string is kept, one after the start is no JSON
    const inside = parseNewsEvent(text.replace('TASS', 'TA\uFEFFSS'));
    expect(inside.ok && inside.event.source.publisher).toBe('TA\uFEFFSS');
    expect(ok(parseNewsEvent(` \uFEFF${text}`))).toBe('not-json');
  });

  it('refuses invalid UTF-8 and payloads over 1 MiB before parsing them', () => {
    expect(parseNewsEvent(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).toMatchObject({ ok: false, rejection: { reason: 'not-utf8' } });
    const huge = Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20);
    expect(parseNewsEvent(huge)).toMatchObject({ ok: false, rejection: { reason: 'payload-too-large' } });
    expect(parseNewsEvent(null)).toMatchObject({ ok: false, rejection: { reason: 'not-json' } });
  });

  it('survives deep nesting without crashing', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(['not-json', 'not-an-object']).toContain(reasonOf(deep));
  });

  it('documents itself as JSON Schema with every type', () => {
    const schema = newsEventJsonSchema() as { oneOf?: unknown[]; anyOf?: unknown[]; $defs?: Record<string, unknown> };
    const text = JSON.stringify(schema);
    for (const type of NEWS_EVENT_TYPES) expect(text).toContain(`"${type}"`);
    expect(text).toContain('ISO 3166-1 alpha-2');
  });
});

describe('docs/contract/news-event.v1.schema.json', () => {
  it('is the JSON Schema generated from libs/contracts (run npm run contract:schema after changing the contract)', () => {
    const committed = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '../../../docs/contract/news-event.v1.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(newsEventJsonSchema())));
  });
});
