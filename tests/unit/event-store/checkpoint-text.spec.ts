import { formatCheckpoint, isBefore, parseCheckpoint } from '@annals/event-store';

describe('checkpoints as text (annals export --after)', () => {
  it('reads back what it prints', () => {
    const checkpoint = { transactionId: '18446744073709551615', position: 9007199254740991 };
    expect(parseCheckpoint(formatCheckpoint(checkpoint))).toEqual({ ok: true, checkpoint });
    expect(parseCheckpoint(' 0012:7 ')).toEqual({ ok: true, checkpoint: { transactionId: '12', position: 7 } });
  });

  it.each(['', '12', '12:', ':7', '12:7:1', '-1:7', '1.5:7', 'a:b', '123456789012345678901:1'])('refuses %j, saying what a checkpoint is', (text) => {
    const parsed = parseCheckpoint(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/is not a checkpoint \(<transaction id>:<position>/);
  });

  it('refuses a position no log reaches', () => {
    expect(parseCheckpoint('1:9007199254740993')).toEqual({ ok: false, error: 'position 9007199254740993 is past any log\'s end' });
  });

  it('orders by transaction id as a number, then by position', () => {
    expect(isBefore({ transactionId: '9', position: 500 }, { transactionId: '10', position: 1 })).toBe(true);
    expect(isBefore({ transactionId: '10', position: 1 }, { transactionId: '9', position: 500 })).toBe(false);
    expect(isBefore({ transactionId: '10', position: 1 }, { transactionId: '10', position: 2 })).toBe(true);
    expect(isBefore({ transactionId: '10', position: 2 }, { transactionId: '10', position: 2 })).toBe(false);
  });
});
