import { Readable } from 'node:stream';
import { publishNdjson, type NewsPublisher } from '@annals/publisher';

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
