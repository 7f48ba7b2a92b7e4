import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { pendingMigrations, runMigrations } from '@annals/database';
import { ensureKafkaJars, KafkaNode, kafkaVersion, newClusterId } from './kafka-server';
import { PostgresServer } from './postgres-server';
import { portAccepts } from './processes';
import { profile, stackRoot, type StackProfile } from './profiles';

/** What a started stack tells its users: written to <profile dir>/stack.json. */
export interface StackSettings {
  profile: string;
  kafkaBrokers: string;
  /** The app's role: SELECT/INSERT on events, through the annals_writer group. */
  databaseUrl: string;
  /** The owner's role: runs migrations. */
  migrationsDatabaseUrl: string;
  /** A superuser, for tests that create a database per suite and for fault injection. */
  adminDatabaseUrl: string;
  startedKafka: boolean;
  startedPostgres: boolean;
  logs: { kafka?: string; postgres?: string };
}

export type Log = (line: string) => void;

export class LocalStack {
  readonly profile: StackProfile;
  readonly kafka: KafkaNode;
  readonly postgres: PostgresServer;

  constructor(profileName: string, private readonly env: Record<string, string | undefined> = process.env) {
    this.profile = profile(profileName);
    this.kafka = new KafkaNode({
      nodeId: 1,
      brokerPort: this.profile.kafkaPort,
      controllerPort: this.profile.kafkaControllerPort,
      voters: [`1@127.0.0.1:${this.profile.kafkaControllerPort}`],
      dir: join(this.profile.dir, 'kafka'),
    });
    this.postgres = new PostgresServer({ port: this.profile.postgresPort, dir: join(this.profile.dir, 'postgres'), binariesDir: stackRoot() });
  }

  get settingsFile(): string {
    return join(this.profile.dir, 'stack.json');
  }

  /** Servers the environment names already (KAFKA_BROKERS, DATABASE_URL) are used, not started. */
  get externalKafka(): string | undefined {
    return this.env.KAFKA_BROKERS || undefined;
  }
  get externalDatabase(): string | undefined {
    return this.env.DATABASE_URL || undefined;
  }

  /** Starts what is not running yet, waits until it really serves, migrates. Idempotent. */
  async up(log: Log = () => {}): Promise<StackSettings> {
    mkdirSync(this.profile.dir, { recursive: true });
    chmodSync(this.profile.dir, 0o755);

    let kafkaBrokers: string;
    let startedKafka = false;
    if (this.externalKafka) {
      kafkaBrokers = this.externalKafka;
      log(`Kafka: using KAFKA_BROKERS=${kafkaBrokers}, starting nothing`);
      await checkKafka(kafkaBrokers);
    } else {
      const libs = await ensureKafkaJars(log);
      const clusterFile = join(this.profile.dir, 'kafka', 'cluster.id');
      mkdirSync(join(this.profile.dir, 'kafka'), { recursive: true });
      if (!existsSync(clusterFile)) writeFileSync(clusterFile, newClusterId() + '\n');
      const state = await this.kafka.start(readFileSync(clusterFile, 'utf8').trim(), libs);
      startedKafka = state === 'started';
      log(`Kafka ${kafkaVersion()}: ${state === 'started' ? 'starting' : 'already running'} on ${this.kafka.bootstrap} (log: ${this.kafka.logFile})`);
      await this.kafka.waitReady();
      kafkaBrokers = this.kafka.bootstrap;
    }

    let databaseUrl: string;
    let migrationsDatabaseUrl: string;
    let adminDatabaseUrl: string;
    let startedPostgres = false;
    if (this.externalDatabase) {
      databaseUrl = this.externalDatabase;
      migrationsDatabaseUrl = this.env.MIGRATIONS_DATABASE_URL || databaseUrl;
      adminDatabaseUrl = this.env.DATABASE_ADMIN_URL || migrationsDatabaseUrl;
      log(`PostgreSQL: using DATABASE_URL, starting nothing`);
      if (this.env.MIGRATIONS_DATABASE_URL) {
        const report = await runMigrations(migrationsDatabaseUrl);
        log(`migrations: ${report.applied.length ? report.applied.join(', ') : 'up to date'}`);
      } else {
        // The app's role may not change the schema: only check it is current.
        const pending = await pendingMigrations(databaseUrl);
        if (pending.length) throw new Error(`the database DATABASE_URL names is not migrated (${pending.join(', ')} pending): run annals migrate with MIGRATIONS_DATABASE_URL set to its owner`);
      }
    } else {
      const state = await this.postgres.start();
      startedPostgres = state === 'started';
      log(`PostgreSQL: ${state === 'started' ? 'starting' : 'already running'} on 127.0.0.1:${this.profile.postgresPort} (log: ${this.postgres.logFile})`);
      await this.postgres.waitReady();
      await this.postgres.provision(this.profile.database);
      databaseUrl = this.postgres.url('app', this.profile.database);
      migrationsDatabaseUrl = this.postgres.url('owner', this.profile.database);
      adminDatabaseUrl = this.postgres.url('superuser', this.profile.database);
      const report = await runMigrations(migrationsDatabaseUrl, { grantTo: this.postgres.credentials().app.user });
      log(`migrations: ${report.applied.length ? report.applied.join(', ') : 'up to date'}`);
    }

    const settings: StackSettings = {
      profile: this.profile.name,
      kafkaBrokers,
      databaseUrl,
      migrationsDatabaseUrl,
      adminDatabaseUrl,
      startedKafka,
      startedPostgres,
      logs: {
        ...(this.externalKafka ? {} : { kafka: this.kafka.logFile }),
        ...(this.externalDatabase ? {} : { postgres: this.postgres.logFile }),
      },
    };
    // The file says where this profile's servers are (stack:env, and `annals` without
    // KAFKA_BROKERS / DATABASE_URL read it). With both named by the environment the profile runs
    // none, and the file is left as it was: the demo's test, pointed at the test servers, wrote
    // them into the dev profile's file, and a dev stack running meanwhile lost its settings
    // (`annals state` then went to the test database, gone once the tests ended).
    if (!this.externalKafka || !this.externalDatabase) writeFileSync(this.settingsFile, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
    return settings;
  }

  /** Stops what this stack runs. External servers are never touched. */
  async down(log: Log = () => {}): Promise<void> {
    const kafka = await this.kafka.stop();
    log(`Kafka: ${kafka}`);
    const postgres = await this.postgres.stop('fast');
    log(`PostgreSQL: ${postgres}`);
  }

  /** Stops and deletes the profile's data (the test runner starts from nothing each time). */
  async destroy(log: Log = () => {}): Promise<void> {
    await this.down(log);
    rmSync(join(this.profile.dir, 'kafka'), { recursive: true, force: true });
    rmSync(join(this.profile.dir, 'postgres', 'data'), { recursive: true, force: true });
    rmSync(this.settingsFile, { force: true });
  }

  async status(): Promise<{ kafka: string; postgres: string; settings?: StackSettings }> {
    const kafkaPid = this.kafka.pid();
    const kafka = kafkaPid
      ? (await portAccepts(this.profile.kafkaPort))
        ? `running (pid ${kafkaPid}) on ${this.kafka.bootstrap}, topics: ${(await listTopics(this.kafka.bootstrap)).join(', ') || '(none)'}`
        : `starting (pid ${kafkaPid}), port ${this.profile.kafkaPort} not open yet`
      : 'not running';
    const pgPid = this.postgres.pid();
    let postgres = 'not running';
    if (pgPid) {
      try {
        const client = new Client({ connectionString: this.postgres.url('superuser', 'postgres') });
        await client.connect();
        const { rows } = await client.query<{ version: string }>("select current_setting('server_version') as version");
        await client.end();
        postgres = `running (pid ${pgPid}) on 127.0.0.1:${this.profile.postgresPort}, PostgreSQL ${rows[0]!.version}`;
      } catch (error) {
        postgres = `process ${pgPid} runs but does not answer: ${(error as Error).message}`;
      }
    }
    const settings = existsSync(this.settingsFile) ? (JSON.parse(readFileSync(this.settingsFile, 'utf8')) as StackSettings) : undefined;
    return { kafka, postgres, ...(settings ? { settings } : {}) };
  }

  readSettings(): StackSettings {
    if (!existsSync(this.settingsFile)) throw new Error(`the ${this.profile.name} stack is not up: run npm run stack:up`);
    return JSON.parse(readFileSync(this.settingsFile, 'utf8')) as StackSettings;
  }
}

async function listTopics(brokers: string): Promise<string[]> {
  const admin = new Kafka({ brokers: brokers.split(','), clientId: 'annals-stack', logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } finally {
    await admin.disconnect();
  }
}

async function checkKafka(brokers: string): Promise<void> {
  try {
    await listTopics(brokers);
  } catch (error) {
    throw new Error(`KAFKA_BROKERS=${brokers} does not answer: ${(error as Error).message}`);
  }
}

/** The lines a shell can eval to point the apps at a stack. */
export function envLines(settings: StackSettings): string[] {
  return [
    `export KAFKA_BROKERS=${settings.kafkaBrokers}`,
    `export DATABASE_URL='${settings.databaseUrl}'`,
    `export MIGRATIONS_DATABASE_URL='${settings.migrationsDatabaseUrl}'`,
  ];
}
