import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { consumerLag } from '@annals/kafka';
import { ProjectionVersions } from '@annals/projections';
import { LocalStack, type StackSettings } from '../stack/stack';
import { portAccepts, waitFor } from '../stack/processes';
import { AppProcess } from '../runtime/app-process';

/**
 * npm run demo: the whole system on the seed article, in one command.
 *  1. the local stack (or the servers KAFKA_BROKERS / DATABASE_URL name)
 *  2. ingestor, projector and api
 *  3. the seed published through Kafka with the publisher CLI
 *  4. wait until ingestion and projections have caught up (offsets and checkpoints, no sleeping)
 *  5. the answers, from the API, and where to look next
 * Then it runs until Ctrl-C and stops what it started.
 */

const ROOT = join(__dirname, '..', '..');
const SEED = join(ROOT, 'data', 'seed', 'coalition-against-isis.ndjson');
const COALITION = 'coalition-against-isis';
const PORT = Number(process.env.DEMO_PORT ?? 3000);
const LOGS = join(ROOT, '.annals', 'logs');
const TOPIC = 'news-events';
const GROUP = 'annals-ingestor';

let stepNumber = 0;
let currentLog: string | undefined;
async function step<T>(title: string, log: string | undefined, work: () => Promise<T>): Promise<T> {
  stepNumber++;
  currentLog = log;
  process.stdout.write(`[${stepNumber}/5] ${title} ... `);
  const started = Date.now();
  const result = await work();
  console.log(`done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

async function main(): Promise<void> {
  console.log('Annals demo: the coalition against ISIS, from one TASS article of 9 December 2015\n');
  const apps = (['ingestor', 'projector', 'api'] as const).map((app) => new AppProcess(app, join(LOGS, `${app}.log`)));
  const stack = new LocalStack('dev');
  let settings: StackSettings | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the apps' + (settings?.startedKafka || settings?.startedPostgres ? ' and the stack this demo started' : ''));
    await Promise.all(apps.map((a) => a.stop()));
    if (settings?.startedKafka || settings?.startedPostgres) await stack.down();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    settings = await step('starting Kafka and PostgreSQL (or using KAFKA_BROKERS / DATABASE_URL)', join(stack.profile.dir), () => stack.up());
    if (await portAccepts(PORT)) throw new Error(`port ${PORT} is in use: stop what runs there, or set DEMO_PORT`);
    const env = { KAFKA_BROKERS: settings.kafkaBrokers, DATABASE_URL: settings.databaseUrl, PORT: String(PORT), LOG_LEVEL: 'info' };
    const kafka = new Kafka({ brokers: settings.kafkaBrokers.split(','), clientId: 'annals-demo', logLevel: logLevel.NOTHING });

    await step(`starting ingestor, projector and api (logs in ${LOGS})`, LOGS, async () => {
      for (const app of apps) app.start(env);
      await waitFor(
        'the api to be ready',
        async () => {
          const dead = apps.find((a) => a.exited);
          if (dead) throw new Error(`the ${dead.app} exited; see ${dead.logFile}`);
          const response = await fetch(`http://127.0.0.1:${PORT}/health/ready`).catch(() => undefined);
          return response?.ok ? true : undefined;
        },
        120_000,
      );
      const admin = kafka.admin();
      await admin.connect();
      try {
        await waitFor('the ingestor to join its consumer group', async () => {
          const { groups } = await admin.describeGroups([GROUP]);
          return groups[0]?.state === 'Stable' && groups[0].members.length > 0 ? true : undefined;
        }, 120_000);
      } finally {
        await admin.disconnect();
      }
    });

    await step('publishing the seed through Kafka with the publisher CLI (annals publish)', undefined, () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin', 'annals.js'), 'publish', SEED], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`annals publish exited with ${code}:\n${output}`))));
      }),
    );

    await step('waiting until ingestion and the read model have caught up (offsets and checkpoints)', LOGS, () => caughtUp(kafka, settings!.databaseUrl));

    const answers = await step('asking the API what the article says', undefined, () => answersFromApi());
    console.log(answers.join('\n'));
    console.log(`
  API docs:      http://127.0.0.1:${PORT}/docs
  Timeline page: http://127.0.0.1:${PORT}/
  Try:           curl 'http://127.0.0.1:${PORT}/coalitions/${COALITION}?at=2014-10-01&knownAt=2015-12-09'
                 node bin/annals.js state ${COALITION} --at 2014-10-01

Annals is running. Press Ctrl-C to stop.`);
    const watchdog = setInterval(() => {
      const dead = apps.find((a) => a.exited);
      if (dead && !stopping) {
        console.error(`the ${dead.app} exited unexpectedly; see ${dead.logFile}`);
        clearInterval(watchdog);
        void shutdown(1);
      }
    }, 1000);
  } catch (error) {
    console.log('FAILED');
    console.error(`\nstep ${stepNumber} failed: ${(error as Error).message}${currentLog ? `\nlogs: ${currentLog}` : ''}`);
    await shutdown(1);
  }
}

/** Every published message consumed and committed, every stored event applied to the active read model. */
async function caughtUp(kafka: Kafka, databaseUrl: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await waitFor('the ingestor to commit every published message', async () => ((await consumerLag(admin, GROUP, TOPIC)) === 0 ? true : undefined), 120_000);
    await waitFor('the read model to apply every stored event', async () => ((await ProjectionVersions.activeLag(pool)) === 0 ? true : undefined), 120_000);
  } finally {
    await admin.disconnect();
    await pool.end();
  }
}

interface Member {
  country: string;
  since: string;
  roles: Array<{ kind: string; theater: string | null }>;
  sources: Array<{ publisher: string; publishedAt: string | null }>;
}

async function answersFromApi(): Promise<string[]> {
  const lines: string[] = [];
  const ask = async (query: string) => {
    const response = await fetch(`http://127.0.0.1:${PORT}/coalitions/${COALITION}?${query}`);
    if (!response.ok) throw new Error(`GET /coalitions/${COALITION}?${query} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { name: string | null; formedAt: string | null; members: Member[] };
  };
  const first = await ask('at=2014-09-18');
  lines.push(`\n${first.name} (formed ${first.formedAt?.slice(0, 10)}), as published by TASS on 2015-12-09:\n`);
  for (const at of ['2014-09-18', '2014-09-20', '2014-09-24', '2014-10-01', '2014-10-08']) {
    const state = await ask(`at=${at}`);
    lines.push(`  on ${at}: ${state.members.length} member(s)`);
    for (const m of state.members) {
      const roles = m.roles.map((r) => `${r.kind}${r.theater ? ` in ${r.theater}` : ''}`).join(', ') || '(no role reported)';
      const sources = [...new Set(m.sources.map((s) => `${s.publisher} ${s.publishedAt?.slice(0, 10) ?? ''}`.trim()))].join('; ');
      lines.push(`    ${m.country}  since ${m.since.slice(0, 10)}  ${roles}  [${sources}]`);
    }
  }
  const before = await ask('at=2014-10-08&knownAt=2015-12-08');
  lines.push(`\n  on 2014-10-08, as known on 2015-12-08 (the day before the article): ${before.members.length} member(s)`);
  return lines;
}

void main();
