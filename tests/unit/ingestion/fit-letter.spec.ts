import { recordBytes } from '@annals/kafka';
import { DLQ_HEADERS } from '@annals/ingestion';
import { fitLetter, LetterTooLargeError } from '../../../libs/ingestion/src/dead-letter/fit-letter';

/**
 * A dead letter Kafka would refuse as too large (the dead-letter topic takes smaller messages
 * than the news topic) stopped the ingestor on its partition: fitLetter makes it fit, keeping
 * what an operator needs, and says what it cut.
 */
describe('ingestion: a dead letter made to fit its topic', () => {
  const letterHeaders = { [DLQ_HEADERS.reason]: 'not-json', [DLQ_HEADERS.detail]: 'Unexpected end of JSON input', [DLQ_HEADERS.topic]: 'news', [DLQ_HEADERS.partition]: '0', [DLQ_HEADERS.offset]: '41' };
  const letter = (value: Buffer, extra: Record<string, string> = {}, key = 'coalition-1') => ({ key: Buffer.from(key), value, headers: { 'x-producer': 'feed', ...extra, ...letterHeaders } });

  it('leaves a letter that fits as it is', () => {
    const small = letter(Buffer.from('{"broken": '));
    expect(fitLetter(small, 10_000)).toBe(small);
  });

  it('cuts the value where a UTF-8 character starts, to what fits, and gives its whole size', () => {
    const value = Buffer.from(`{"note": "${'é'.repeat(20_000)}`);
    const fitted = fitLetter(letter(value), 10_000);
    expect(recordBytes(fitted)).toBeLessThanOrEqual(10_000);
    const kept = fitted.value as Buffer;
    expect(kept.length).toBeGreaterThan(9_000);
    expect(value.subarray(0, kept.length).equals(kept)).toBe(true);
    expect(kept.toString('utf8')).not.toContain('\uFFFD');
    expect(fitted.headers).toMatchObject({ ...letterHeaders, 'x-producer': 'feed', [DLQ_HEADERS.valueCutFrom]: String(value.length) });
    expect(fitted.headers![DLQ_HEADERS.dropped]).toBeUndefined();
    expect(fitted.key?.toString()).toBe('coalition-1');
  });

  it('drops the key and the message\'s own headers when they leave no room, keeping the letter\'s and saying so', () => {
    const value = Buffer.from('x'.repeat(5_000));
    const fitted = fitLetter(letter(value, { 'x-trace': 't'.repeat(20_000) }), 10_000);
    expect(recordBytes(fitted)).toBeLessThanOrEqual(10_000);
    expect(fitted.key).toBeNull();
    expect(fitted.headers).toEqual({ ...letterHeaders, [DLQ_HEADERS.valueCutFrom]: String(value.length), [DLQ_HEADERS.dropped]: 'key,headers' });
    expect((fitted.value as Buffer).length).toBeGreaterThan(0);
  });

  it('refuses, naming the setting to raise, a topic too small for the letter\'s own headers', () => {
    expect(() => fitLetter(letter(Buffer.from('x'.repeat(500))), 200)).toThrow(LetterTooLargeError);
    expect(() => fitLetter(letter(Buffer.from('x'.repeat(500))), 200)).toThrow(/more than the 200 the dead-letter topic takes: raise its max\.message\.bytes/);
  });
});
