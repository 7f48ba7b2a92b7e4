import { formatAnchor, parseAnchor } from '@annals/event-store';

describe("the log's anchor as one word", () => {
  const anchor = { transactionId: '809977', position: '77', events: 77, digest: 'b6a39e333d5d65d0c4a325834caf6286c455543568887bcc87c965256332086a' };

  it('reads back what it printed, around surrounding blanks (a copied line)', () => {
    expect(parseAnchor(formatAnchor(anchor))).toEqual({ ok: true, anchor });
    expect(parseAnchor(` ${formatAnchor(anchor)}\n`)).toEqual({ ok: true, anchor });
  });

  it.each([
    ['another version', formatAnchor(anchor).replace(/^v1/, 'v2')],
    ['a digest cut short', formatAnchor(anchor).slice(0, -1)],
    ['an upper-case digest', formatAnchor({ ...anchor, digest: anchor.digest.toUpperCase() })],
    ['a part missing', `v1:809977:77:${anchor.digest}`],
    ['a negative position', formatAnchor({ ...anchor, position: '-77' })],
    ['nothing', ''],
  ])('refuses %s, saying what an anchor looks like', (_what, text) => {
    const parsed = parseAnchor(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toMatch(/^is not an anchor that annals verify printed \(v1:<transaction id>:<position>:<events>:<64 hex digits>\)/);
  });

  it('refuses an event count no log could hold rather than rounding it', () => {
    const parsed = parseAnchor(formatAnchor({ ...anchor, events: 0 }).replace(':0:', ':9999999999999999999:'));
    expect(parsed).toEqual({ ok: false, error: 'counts 9999999999999999999 events, more than any log holds' });
  });
});
