import fc from 'fast-check';
import { newsEventV1, parseNewsEvent, REJECTION_REASONS, validateNewsEvent, type ParseResult } from '@annals/contracts';
import { deepNesting, hostileJson, mutatedReport, valid } from '../../support/hostile-input';

/**
 * Hostile input against the contract validator: random bytes, random JSON and mutations of a
 * valid report. Whatever arrives, the validator returns (never throws), and its answer is either
 * a normalized event that validates again, or a rejection whose reason is one of the contract's
 * and whose detail says what was wrong.
 */
const MESSAGE_REASONS = Object.keys(REJECTION_REASONS).filter((r) => r !== 'id-conflict' && r !== 'processing-failed');

function assertWellBehaved(result: ParseResult): void {
  if (result.ok) {
    // A normalized event is itself a valid message: storing and re-reading it cannot fail.
    const again = parseNewsEvent(JSON.stringify(result.event));
    expect(again).toEqual({ ok: true, event: result.event });
    expect(Object.getPrototypeOf(result.event)).toBe(Object.prototype);
  } else {
    expect(MESSAGE_REASONS).toContain(result.rejection.reason);
    expect(result.rejection.detail.length).toBeGreaterThan(0);
    // The detail travels in a Kafka header: it stays small whatever the input.
    expect(result.rejection.detail.length).toBeLessThanOrEqual(2_000);
  }
}

describe('the contract validator under hostile input (fast-check)', () => {
  afterEach(() => {
    // nothing a message said may have reached Object.prototype
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('random bytes: never throws, rejects with a reason (or accepts a valid event)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => assertWellBehaved(parseNewsEvent(Buffer.from(bytes)))), { numRuns: 2_000 });
  });

  it('random JSON values of any shape and depth', () => {
    fc.assert(fc.property(hostileJson, (value) => assertWellBehaved(parseNewsEvent(JSON.stringify(value) ?? 'null'))), { numRuns: 2_000 });
  });

  it('a valid report with any one field replaced, removed or added', () => {
    fc.assert(
      fc.property(mutatedReport, (text) => {
        const result = parseNewsEvent(Buffer.from(text));
        assertWellBehaved(result);
        // __proto__ or constructor keys, at any depth, never pass as data
        if (/"(__proto__|constructor)":/.test(text)) expect(result.ok).toBe(false);
      }),
      { numRuns: 3_000 },
    );
  });

  // The validator runs the schema compiled (z.compile); the schema as written is the reference.
  it('the compiled contract accepts and rejects exactly what the schema does, and normalizes alike', () => {
    fc.assert(
      fc.property(mutatedReport, (text) => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          return;
        }
        const reference = newsEventV1.safeParse(json, { reportInput: true });
        const result = validateNewsEvent(json);
        expect(result.ok).toBe(reference.success);
        if (result.ok && reference.success) expect(result.event).toEqual(reference.data);
      }),
      { numRuns: 3_000 },
    );
  });

  it('deep nesting is rejected, not a stack overflow', () => {
    fc.assert(fc.property(deepNesting, (text) => assertWellBehaved(parseNewsEvent(text))), { numRuns: 30 });
  });

  it('SQL and HTML in free-text fields are data: kept as given (only surrounding whitespace is trimmed)', () => {
    fc.assert(
      fc.property(fc.constantFrom("'; DROP TABLE event_store.events; --", '<script>alert(1)</script>', '"><svg onload=alert(1)>'), fc.string({ maxLength: 30 }), (attack, noise) => {
        const title = attack + noise;
        if (title.includes('\u0000') || !title.isWellFormed()) return;
        const result = parseNewsEvent(JSON.stringify({ ...valid, source: { ...valid.source, title } }));
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.event.source.title).toBe(title.trim());
      }),
      { numRuns: 300 },
    );
  });

  it('a __proto__ key where the contract has fields is refused by name', () => {
    for (const text of [
      '{"__proto__":{"polluted":1},' + JSON.stringify(valid).slice(1),
      JSON.stringify(valid).replace('"data":{', '"data":{"__proto__":{"polluted":1},'),
    ]) {
      const result = parseNewsEvent(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.rejection.detail).toContain('__proto__');
    }
  });

  it.each([
    ['0000-00-00', 'occurredAt'],
    ['275760-09-13', 'occurredAt'],
    ['+275760-09-13T00:00:00Z', 'occurredAt'],
    ['2014-13-01', 'occurredAt'],
  ])('an impossible date %s is an invalid-date naming %s', (date, field) => {
    const result = parseNewsEvent(JSON.stringify({ ...valid, occurredAt: date }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection.reason).toBe('invalid-date');
      expect(result.rejection.detail).toContain(field);
    }
  });
});
