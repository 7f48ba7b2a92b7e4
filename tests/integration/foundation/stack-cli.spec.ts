import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createTestDatabase, testServers } from '@annals/testing';
import { Client } from 'pg';
import { isAlive } from '../../../tools/stack/processes';
import { profile } from '../../../tools/stack/profiles';
import { LocalStack, type StackSettings } from '../../../tools/stack/stack';

const ROOT = join(__dirname, '../../..');
const PROFILE = 'stack-check';

/** `npm run stack:<command> -- --profile stack-check`, with no servers configured in the environment. */
function npmStack(command: 'up' | 'status' | 'down' | 'destroy') {
  const env = { ...process.env };
  for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'MIGRATIONS_DATABASE_URL']) delete env[name];
  const script = command === 'destroy' ? ['exec', '--', 'node', '-r', '@swc-node/register', 'tools/stack/cli.ts', 'destroy'] : ['run', '-s', `stack:${command}`, '--'];
  const result = spawnSync('npm', [...script, '--profile', PROFILE], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}


describe('the local stack commands', () => {
  afterAll(() => npmStack('destroy'));

  it('stack:up starts Kafka and PostgreSQL, twice without harm; stack:status reports them; stack:down leaves nothing running', async () => {
    npmStack('destroy');
    const first = npmStack('up');
    expect(first).toMatchObject({ code: 0 });
    const second = npmStack('up');
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/already running/);

    const status = npmStack('status');
    expect(status.out).toMatch(/Kafka: +running \(pid \d+\) on 127\.0\.0\.1:29092/);
    expect(status.out).toMatch(/PostgreSQL: running \(pid \d+\) on 127\.0\.0\.1:25340, PostgreSQL 18/);

    const dir = profile(PROFILE).dir;
    const settings = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as StackSettings;
    const admin = new Kafka({ brokers: [settings.kafkaBrokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'stack-check' }], waitForLeaders: true });
    expect(await admin.listTopics()).toContain('stack-check');
    await admin.disconnect();

    const client = new Client({ connectionString: settings.databaseUrl });
    await client.connect();
    const { rows } = await client.query("SELECT count(*)::int AS n FROM event_store.events");
    expect(rows[0]).toEqual({ n: 0 });
    await client.end();
    if (existsSync('/usr/bin/psql')) {
      const psql = spawnSync('psql', [settings.databaseUrl, '-Atc', 'select 40 + 2'], { encoding: 'utf8' });
      expect(psql.stdout.trim()).toBe('42');
    }

    const pids = [
      Number(readFileSync(join(dir, 'kafka', 'kafka.pid'), 'utf8')),
      Number(readFileSync(join(dir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]),
    ];
    expect(pids.every(isAlive)).toBe(true);
    expect(npmStack('down').code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(npmStack('status').out).toMatch(/Kafka: +not running[\s\S]*PostgreSQL: not running/);
  });

  it("stack:up with both servers named by the environment (the demo's test does so) leaves the profile's settings file as it was", async () => {
    const dir = profile(PROFILE).dir;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'stack.json');
    // as a running stack of this profile left it
    const own = JSON.stringify({ profile: PROFILE, kafkaBrokers: '127.0.0.1:29092', databaseUrl: 'postgres://app@127.0.0.1:25340/annals' }) + '\n';
    writeFileSync(file, own);
    const db = await createTestDatabase();
    try {
      const settings = await new LocalStack(PROFILE, { KAFKA_BROKERS: testServers().kafkaBrokers.join(','), DATABASE_URL: db.appUrl }).up();
      expect(settings).toMatchObject({ kafkaBrokers: testServers().kafkaBrokers.join(','), databaseUrl: db.appUrl, startedKafka: false, startedPostgres: false });
      expect(readFileSync(file, 'utf8')).toBe(own);
    } finally {
      await db.drop();
    }
  });
});
