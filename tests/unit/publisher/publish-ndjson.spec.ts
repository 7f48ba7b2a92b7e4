import { Readable } from 'node:stream';
import { ndjsonLines, publishNdjson, type NewsPublisher } from '@annals/publisher';

/** A publisher that keeps what it is given. */
function keeping() {
  const sent: Array<{ value: unknown }> = [];
  const publisher = { send: async (batch: Array<{ value: unknown }>) => void sent.push(...batch) } as unknown as NewsPublisher;
  return { sent, publisher };
}

describe('publishNdjson: lines as editors save them', () => {
  it('takes a file that starts with a byte order mark and ends its lines with CRLF; the mark is not sent', async () => {
    const report = (id: string) => JSON.stringify({ id, type: 'coalition.formed', occurredAt: '2014-09-05', source: { publisher: 'TASS' }, data: { coalitionId: 'c', name: 'C' } });
    const { sent, publisher } = keeping();
    const summary = await publishNdjson(Readable.from([Buffer.from(`\uFEFF${report('a')}\r\n${report('b')}\r\n`)]), publisher);
    expect(summary).toEqual({ lines: 2, published: 2, invalid: [] });
    expect(sent.map((m) => String(m.value))).toEqual([report('a'), report('b')]);
  });

  it('refuses a line that is not UTF-8, naming it, and publishes the others as their bytes were, wherever the chunks split them', async () => {
    const formed = (id: string, name: string) =>
      JSON.stringify({ id, type: 'coalition.formed', occurredAt: '2014-09-05', source: { publisher: 'Le Monde' }, data: { coalitionId: 'c', name } });
    const utf8 = Buffer.from(`${formed('a', 'Café')}\n\n`);
    // Latin-1 é (0xE9): read as text it became U+FFFD, and the report was published and stored so
    const latin1 = Buffer.concat([Buffer.from(formed('b', 'Caf').slice(0, -2)), Buffer.from([0xe9]), Buffer.from('"}}\n')]);
    const last = Buffer.from(formed('c', 'Ça va')); // no newline at its end
    const file = Buffer.concat([utf8, latin1, last]);
    for (const cut of [1, utf8.indexOf(0xa9), utf8.length + 3, file.length - 2]) {
      const { sent, publisher } = keeping();
      const summary = await publishNdjson(Readable.from([file.subarray(0, cut), file.subarray(cut)]), publisher);
      expect({ cut, summary }).toEqual({ cut, summary: { lines: 3, published: 2, invalid: [{ line: 3, reason: 'not-utf8', detail: 'the message bytes are not valid UTF-8' }] } });
      expect(sent.map((m) => String(m.value))).toEqual([formed('a', 'Café'), formed('c', 'Ça va')]);
    }
  });
});

describe('publishNdjson: a publishedAt with a mistyped year', () => {
  it('is refused by line, as the ingestor would refuse it, and an embargo of days is published', async () => {
    const report = (id: string, publishedAt: string) =>
      JSON.stringify({ id, type: 'coalition.member-joined', occurredAt: '2015-12-01', source: { publisher: 'TASS', publishedAt }, data: { coalitionId: 'c', country: 'FR' } });
    const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const { sent, publisher } = keeping();
    const summary = await publishNdjson(Readable.from([`${report('typo', '2105-12-09')}\n${report('embargoed', inTenDays)}\n`]), publisher);
    expect(summary.invalid).toEqual([{ line: 1, reason: 'invalid-date', detail: expect.stringMatching(/^source\.publishedAt: 2105-12-09T00:00:00\.000Z is \d+ days after the report reached Annals .*a mistyped year\?$/) }]);
    expect(sent.map((m) => (JSON.parse(String(m.value)) as { id: string }).id)).toEqual(['embargoed']);
  });
});

describe('publishNdjson: a line over the limit', () => {
  it('is refused by its true size without being held whole, and the lines around it are published', async () => {
    const report = (id: string) => JSON.stringify({ id, type: 'coalition.formed', occurredAt: '2014-09-05', source: { publisher: 'TASS' }, data: { coalitionId: 'c', name: 'C' } });
    const huge = 5 * 1024 * 1024;
    // a JSON array of reports exported whole, as one line, streamed in 64 KiB chunks
    const chunks = (function* () {
      yield Buffer.from(`${report('before')}\r\n[`);
      const piece = Buffer.alloc(64 * 1024, 0x20);
      for (let sent = 1; sent < huge; sent += piece.length) yield piece.subarray(0, Math.min(piece.length, huge - sent));
      yield Buffer.from(`\r\n${report('after')}\n`);
    })();
    const { sent, publisher } = keeping();
    const summary = await publishNdjson(Readable.from(chunks), publisher);
    expect(summary).toEqual({ lines: 3, published: 2, invalid: [{ line: 2, reason: 'payload-too-large', detail: `the message is ${huge} bytes; the limit is 1048576 (1 MiB)` }] });
    expect(sent.map((m) => String(m.value))).toEqual([report('before'), report('after')]);
  });
});

describe('ndjsonLines', () => {
  it('holds no more of a line than it is asked to keep, and says how long the line was (CR, and the first line\'s byte order mark, not counted)', async () => {
    const long = Buffer.alloc(10_000, 0x41);
    const input = Readable.from([Buffer.from('\uFEFF'), long.subarray(0, 3000), long.subarray(3000), Buffer.from('\r\n\n  \nshort\r\nlast')]);
    const lines = [];
    for await (const line of ndjsonLines(input, 100)) lines.push({ number: line.number, heldAtMost100: line.bytes.length <= 100, size: line.size, start: line.bytes.subarray(0, 5).toString() });
    expect(lines).toEqual([
      { number: 1, heldAtMost100: true, size: 10_000, start: 'AAAAA' },
      { number: 4, heldAtMost100: true, size: 5, start: 'short' },
      { number: 5, heldAtMost100: true, size: 4, start: 'last' },
    ]);
  });
});
