import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { publishNdjson, type NewsPublisher } from '@annals/publisher';

const ROOT = join(__dirname, '../../..');

/** `annals <args>` with nothing set in the environment about its servers. */
function annals(...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(KAFKA_|DATABASE_URL|MIGRATIONS_DATABASE_URL)/.test(name)));
  return spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
}

describe("cli: a server's address given as an option and refused is named as the option", () => {
  it.each([
    [['verify', '--database-url', 'not a url'], 'annals: --database-url must be a URL like postgres://user:password@host:port/database (got "not a url")'],
    [['dlq', 'list', '--brokers', 'not:a:broker'], 'annals: --brokers must be a comma-separated list of host:port (e.g. 127.0.0.1:9092) (got "not:a:broker")'],
    [['dlq', 'list', '--brokers', '127.0.0.1:1', '--dlq-topic', 'bad/topic'], 'annals: --dlq-topic must be a Kafka topic name: 1-249 characters of A-Z a-z 0-9 . _ - (got "bad/topic")'],
  ])('annals %j', (args, message) => {
    const run = annals(...args);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(message);
  });
});

describe('cli: annals timeline --from --to', () => {
  it('refuses a window that ends before it starts, naming --from, before it connects', () => {
    const run = annals('timeline', 'coalition-against-isis', '--from', '2014-10-01', '--to', '2014-09-01', '--database-url', 'postgres://nobody:x@127.0.0.1:1/annals');
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('annals: --from: is after to (2014-10-01T00:00:00.000Z > 2014-09-01T23:59:59.999Z)');
  });
});

describe('cli: annals state and timeline <coalitionId>', () => {
  it.each(['state', 'timeline'])('annals %s refuses an id that could name no coalition as malformed, before it connects (it said "no coalition")', (command) => {
    const run = annals(command, 'Coalition Against ISIS', '--database-url', 'postgres://nobody:x@127.0.0.1:1/annals');
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('annals: <coalitionId>: must match ^[a-z0-9][a-z0-9-]{0,63}$ (lower case, digits, dashes) (got "Coalition Against ISIS")');
  });
});

describe('cli: annals publish --batch-size', () => {
  it.each(['abc', '0', '-5', '1.5', '20000'])('refuses %j, naming the option, before it reads the file or connects', (size) => {
    // a broker port nothing listens on: a refusal that came from Kafka would take seconds and say so
    const run = annals('publish', join(ROOT, 'data/seed/coalition-against-isis.ndjson'), '--brokers', '127.0.0.1:1', '--batch-size', size);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`annals: --batch-size: must be an integer from 1 to 10000, got ${JSON.stringify(size)}`);
  });

  it('publishNdjson refuses a batch size that is no positive integer: NaN sent the whole stream as one send at its end', async () => {
    const publisher = { send: jest.fn() } as unknown as NewsPublisher;
    await expect(publishNdjson(Readable.from(['{}\n']), publisher, { batchSize: Number.NaN })).rejects.toThrow('batchSize must be an integer from 1 to 10000, got NaN');
    expect(publisher.send).not.toHaveBeenCalled();
  });
});
