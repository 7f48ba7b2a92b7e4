import { CHUNK_BYTES, FragmentWriter } from '@annals/queries/state-copy/fragments';

/** The state copy's fragments: every fragment read back as written, wherever the chunks end. */
describe('Fragments', () => {
  it('gives back every fragment as written, across chunk ends, in one chunk each', () => {
    const writer = new FragmentWriter();
    // fragments of 997 bytes (a prime: they end at every offset), ASCII and not, past the second chunk
    const texts: string[] = [];
    const ranges: Array<[number, number]> = [];
    for (let i = 0; texts.length * 997 < CHUNK_BYTES * 2 + 5_000; i++) {
      const body = `{"reportId":"r-${i}","title":"Lavrov — Рим ${i}"}`;
      const text = body + 'x'.repeat(997 - Buffer.byteLength(body));
      texts.push(text);
      ranges.push(writer.write(text));
    }
    const fragments = writer.done();
    const out = Buffer.alloc(2_000);
    for (const [i, text] of texts.entries()) {
      const [start, end] = ranges[i]!;
      expect(end - start).toBe(Buffer.byteLength(text));
      const copied = fragments.copy(out, 3, start, end);
      if (out.toString('utf8', 3, 3 + copied) !== text) throw new Error(`fragment ${i} at [${start}, ${end}) came back as ${out.toString('utf8', 3, 3 + copied).slice(0, 60)}`);
    }
    // three chunks, the first two filled to less than a fragment from their ends
    expect(Math.floor(ranges.at(-1)![0] / CHUNK_BYTES)).toBe(2);
    expect(fragments.bytes).toBe(texts.length * 997);
  });

  it('refuses a fragment larger than a chunk, naming its size', () => {
    expect(() => new FragmentWriter().write('x'.repeat(CHUNK_BYTES + 1))).toThrow(`a fragment of ${CHUNK_BYTES + 1} bytes is larger than a chunk`);
  });
});
