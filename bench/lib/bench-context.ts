import { Kafka, logLevel } from 'kafkajs';
import { Client, Pool } from 'pg';
import { createPgPool, dropDatabase, runMigrations } from '@annals/database';
import { LocalStack, type StackSettings } from '../../tools/stack/stack';

/** The servers of a benchmark run: the `bench` profile's own Kafka and PostgreSQL. */
export class BenchContext {
  readonly stack = new LocalStack('bench', {});
  settings!: StackSettings;

  async up(): Promise<void> {
    this.settings = await this.stack.up((line) => console.log(`  [stack] ${line}`));
  }

  get kafkaPid(): number | undefined {
    return this.stack.kafka.pid();
  }
  get postgresPid(): number | undefined {
    return this.stack.postgres.pid();
  }

  /** A fresh, migrated database; its URLs as the app, the owner and a superuser. */
  async database(name: string): Promise<{ appUrl: string; ownerUrl: string; adminUrl: string }> {
    const admin = new Client({ connectionString: this.settings.adminDatabaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}" OWNER annals_owner`);
    await admin.end();
    const withDb = (url: string) => this.urlIn(url, name);
    await runMigrations(withDb(this.settings.migrationsDatabaseUrl), { grantTo: 'annals_app' });
    const superuser = new Client({ connectionString: withDb(this.settings.adminDatabaseUrl) });
    await superuser.connect();
    await superuser.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await superuser.end();
    return { appUrl: withDb(this.settings.databaseUrl), ownerUrl: withDb(this.settings.migrationsDatabaseUrl), adminUrl: withDb(this.settings.adminDatabaseUrl) };
  }

  /**
   * A copy of database `template` (file by file: a WAL-logged copy of gigabytes would take
   * minutes) as `name`; its URLs as the app, the owner and a superuser. Nobody may be connected
   * to the template.
   */
  async cloneDatabase(template: string, name: string): Promise<{ appUrl: string; ownerUrl: string; adminUrl: string }> {
    const admin = new Client({ connectionString: this.settings.adminDatabaseUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" OWNER annals_owner STRATEGY FILE_COPY`);
    } finally {
      await admin.end();
    }
    return { appUrl: this.urlIn(this.settings.databaseUrl, name), ownerUrl: this.urlIn(this.settings.migrationsDatabaseUrl, name), adminUrl: this.urlIn(this.settings.adminDatabaseUrl, name) };
  }

  /** `url` with its database replaced by `name`. */
  private urlIn(url: string, name: string): string {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  }

  /**
   * Drops a database a measurement is done with. A finished trial's database left in place is
   * still vacuumed and analyzed by autovacuum, on the same two cores the next trial (or the
   * burst) is measured on, and charged to it: the benchmark drops each one when its numbers are taken.
   */
  async dropDatabase(name: string): Promise<void> {
    await dropDatabase(this.settings.adminDatabaseUrl, name);
  }

  /**
   * Deletes topics a measurement is done with, with their dead-letter topics (`<topic>.dlq`,
   * where the ingestor sends the messages it refuses). The bench's Kafka would otherwise keep every run's topics (the
   * end-to-end section publishes 200,000 messages, the queries section backlogs of 1,200,000)
   * until their retention of 7 days, on the disk every later run writes to. Topics that do not
   * exist are skipped.
   */
  async deleteTopics(topics: string[]): Promise<void> {
    await this.withKafkaAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const doomed = topics.flatMap((topic) => [topic, `${topic}.dlq`]).filter((topic) => existing.has(topic));
      if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
    });
  }

  /** The topics of earlier runs (every topic named `bench-...`: the bench's own Kafka), such as one stopped before it deleted its own. */
  async deleteLeftoverTopics(): Promise<void> {
    const topics = await this.withKafkaAdmin((admin) => admin.listTopics());
    const leftover = topics.filter((topic) => topic.startsWith('bench-') && !topic.endsWith('.dlq'));
    if (leftover.length > 0) console.log(`  [stack] deleting ${leftover.length} topic(s) left by earlier runs`);
    await this.deleteTopics(leftover);
  }

  private async withKafkaAdmin<T>(work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const admin = new Kafka({ brokers: this.settings.kafkaBrokers.split(','), clientId: 'bench-topics', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  pool(url: string, max = 10): Pool {
    return createPgPool({ DATABASE_URL: url, DATABASE_POOL_SIZE: max, DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 60_000, DATABASE_STATEMENT_TIMEOUT_MS: 3_600_000 }, 'annals-bench');
  }

  async down(): Promise<void> {
    await this.stack.down();
  }
}
