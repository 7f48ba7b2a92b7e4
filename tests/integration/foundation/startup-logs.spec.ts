import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { eventually, freePort } from '@annals/testing';

/**
 * An app that starts while PostgreSQL does not answer waits for it: TypeORM retries, each
 * connect bounded by pg's connect timeout. The wait must show as it happens, in the JSON lines
 * the app logs everywhere else. Before, Nest buffered the logs until the app was built: against
 * a refused port an operator saw nothing for 30 s, then every retry at once in Nest's plain text;
 * against a server that accepts and never answers, the connect had no bound, and the app waited
 * for ever with nothing to show.
 */
describe('foundation: an app logs while it waits for its servers at start', () => {
  // a "PostgreSQL" that accepts connections and never answers
  let silent: Server;
  const sockets: Socket[] = [];
  const started = new Map<string, { child: ChildProcess; stdout: () => string; stderr: () => string }>();
  const APPS = ['ingestor', 'projector', 'api'] as const;

  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    const silentPort = await freePort();
    await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve));
    // the three at once: each waits for pg's connect timeout before its first retry
    for (const app of APPS) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: `postgres://annals:secret@127.0.0.1:${silentPort}/annals`,
        KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
        PORT: String(await freePort()),
        LOG_LEVEL: 'info',
      };
      delete env.METRICS_PORT;
      const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../../apps', app, 'src/main.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      started.set(app, { child, stdout: () => stdout, stderr: () => stderr });
    }
  });
  afterAll(async () => {
    for (const { child } of started.values()) child.kill('SIGKILL');
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each(APPS)('the %s logs its start, then its retries, as JSON lines while it waits', async (app) => {
    const { child, stdout, stderr } = started.get(app)!;
    const lines = () => stdout().split('\n').filter((line) => line.length > 0);
    // (before, a connect to a server that never answers waited for ever: no retry ever came)
    const retry = await eventually(`the ${app} to log a retry`, async () => lines().find((line) => line.includes('Unable to connect to the database')), 60_000, 100);
    expect(child.exitCode).toBeNull();
    expect(stderr()).toBe('');
    const logged = lines().map((line) => JSON.parse(line) as { app?: string; context?: string; msg?: string });
    expect(logged[0]).toMatchObject({ app, context: 'NestFactory', msg: 'Starting Nest application...' });
    expect(JSON.parse(retry)).toMatchObject({ app, level: 50, context: 'TypeOrmModule', err: { message: 'Unable to connect to the database. Retrying (1)...' } });
  });
});
