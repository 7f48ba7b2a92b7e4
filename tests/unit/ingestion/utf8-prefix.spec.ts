import { utf8Prefix } from '../../../libs/ingestion/src/dead-letter/utf8-prefix';

describe('ingestion: the first bytes of a dead letter, as dlq list shows them', () => {
  it('cuts where a character starts, so that the text shown ends with a whole character', () => {
    // "é" is 2 bytes, "€" 3, "😀" 4: a cut after each of their bytes
    for (const char of ['é', '€', '😀']) {
      const value = Buffer.from(`ab${char}cd`);
      const width = Buffer.byteLength(char);
      for (let inside = 1; inside < width; inside++) {
        const shown = utf8Prefix(value, 2 + inside);
        expect([char, inside, shown.toString('utf8')]).toEqual([char, inside, 'ab']);
      }
      expect(utf8Prefix(value, 2 + width).toString('utf8')).toBe(`ab${char}`);
    }
  });

  it('keeps a value within the limit whole, as a copy, and cuts bytes that are no UTF-8 as they come', () => {
    const value = Buffer.from('short');
    const kept = utf8Prefix(value, 2000);
    value.write('S'); // (the fetched batch kafkajs reuses)
    expect(kept.toString('utf8')).toBe('short');
    // continuation bytes only: no character starts within 3 bytes of the cut
    expect(utf8Prefix(Buffer.alloc(10, 0x80), 6)).toHaveLength(3);
    expect(utf8Prefix(Buffer.from([0xff, 0xfe, 0x41, 0x42]), 3)).toEqual(Buffer.from([0xff, 0xfe, 0x41]));
  });
});
