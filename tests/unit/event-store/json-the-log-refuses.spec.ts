import { refusedInJson } from '@annals/event-store/json-the-log-refuses';

describe('refusedInJson: what the log refuses in an event\'s JSON', () => {
  const refused = (value: unknown) => refusedInJson(JSON.stringify(value), 'data');

  it('names the path of a string holding U+0000, in arrays and under keys that need quoting', () => {
    expect(refused({ a: [{ 'b c': 'x\u0000' }] })).toBe('data.a[0]["b c"] holds U+0000 (NUL), which PostgreSQL cannot store in text');
    expect(refused('\u0000')).toBe('data holds U+0000 (NUL), which PostgreSQL cannot store in text');
  });

  it('names an unpaired surrogate, high or low, in a value or a key', () => {
    expect(refused({ t: 'a\ud83d' })).toBe('data.t holds an unpaired surrogate (U+D83D), which is not Unicode text');
    expect(refused({ t: '\ude00b' })).toBe('data.t holds an unpaired surrogate (U+DE00), which is not Unicode text');
    expect(refused({ ['k\udfff']: 1 })).toBe('data has a key holding an unpaired surrogate (U+DFFF), which is not Unicode text');
  });

  it('passes what JSON and the log both take: paired surrogates, other controls, a backslash before "u0000"', () => {
    for (const value of [{ e: '😀 \ud83d\ude00' }, { c: '\u0001\u001f\t\n' }, { s: '\\u0000 \\ud800' }, [1, null, true, { x: 'é' }], 'plain', 12.5, null]) {
      expect(refused(value)).toBeUndefined();
    }
  });
});
