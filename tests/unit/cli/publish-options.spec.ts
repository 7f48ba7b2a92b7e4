import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { publishNdjson, type NewsPublisher } from '@annals/publisher';

const ROOT = join(__dirname, '../../..');

describe('cli: annals publish --batch-size', () => {
  it.each(['abc', '0', '-5', '1.5', '20000'])('refuses %j, naming the option, before it reads the file or connects', (size) => {
    // a broker port nothing listens on: a refusal that came from Kafka would take seconds and say so
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), 'publish', join(ROOT, 'data/seed/coalition-against-isis.ndjson'), '--brokers', '127.0.0.1:1', '--batch-size', size], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`annals: --batch-size: must be an integer from 1 to 10000, got ${JSON.stringify(size)}`);
  });

  it('publishNdjson refuses a batch size that is no positive integer: NaN sent the whole stream as one send at its end', async () => {
    const publisher = { send: jest.fn() } as unknown as NewsPublisher;
    await expect(publishNdjson(Readable.from(['{}\n']), publisher, { batchSize: Number.NaN })).rejects.toThrow('batchSize must be an integer from 1 to 10000, got NaN');
    expect(publisher.send).not.toHaveBeenCalled();
  });
});
