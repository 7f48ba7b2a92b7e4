import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, eventually, freePort, testServers, type TestDatabase } from '@annals/testing';

const ROOT = join(__dirname, '../../..');

interface Run {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
}

/** npm run demo's script, pointed at the test servers through KAFKA_BROKERS / DATABASE_URL. */
function startDemo(env: Record<string, string>): Run {
  let output = '';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'tools/demo/demo.ts')], { cwd: ROOT, env: { ...process.env, ...env } });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function stop(run: Run): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => run.child.once('exit', (code) => resolve(code)));
  run.child.kill('SIGINT');
  return exited;
}

/** The part of the demo's output that answers the question (the member lines). */
const answers = (output: string) => output.split('\n').filter((line) => /^ {2}on |^ {4}[A-Z]{2} {2}since /.test(line));

describe('npm run demo', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('brings the system up on the seed, prints the answers the API gives, stops on Ctrl-C, and a second run ends with the same answer', async () => {
    const port = await freePort();
    const env = { KAFKA_BROKERS: testServers().kafkaBrokers.join(','), DATABASE_URL: db.appUrl, DEMO_PORT: String(port) };
    const outputs: string[] = [];
    for (let run = 0; run < 2; run++) {
      const demo = startDemo(env);
      try {
        await eventually('the demo to be running', async () => {
          if (demo.child.exitCode !== null) throw new Error(`the demo exited with ${demo.child.exitCode}:\n${demo.output()}`);
          return demo.output().includes('Press Ctrl-C to stop') ? true : undefined;
        }, 240_000, 250);
        const out = demo.output();
        for (const step of ['[1/5]', '[2/5]', '[3/5]', '[4/5]', '[5/5]']) expect(out).toContain(step);
        expect(out).toContain(`http://127.0.0.1:${port}/docs`);
        // every member line is what the API answers for that date
        for (const at of ['2014-09-18', '2014-09-24', '2014-10-08']) {
          const response = await fetch(`http://127.0.0.1:${port}/coalitions/coalition-against-isis?at=${at}`);
          const body = (await response.json()) as { members: Array<{ country: string; since: string }> };
          const section = out.split(`  on ${at}:`)[1]!.split(/\n {2}on /)[0]!;
          expect(section).toMatch(new RegExp(`^ ${body.members.length} member\\(s\\)`));
          for (const m of body.members) expect(section).toContain(`    ${m.country}  since ${m.since.slice(0, 10)}`);
        }
        expect(out).toMatch(/as known on 2015-12-08 \(the day before the article\): 0 member\(s\)/);
        outputs.push(answers(out).join('\n'));
      } finally {
        expect(await stop(demo)).toBe(0);
      }
    }
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[0]!.split('\n').length).toBeGreaterThan(30);
  }, 600_000);
});
