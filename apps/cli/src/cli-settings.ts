import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, consumerSettings, databaseClientSettings, kafkaClientSettings, loadSettings, type KafkaConfig } from '@annals/config';
import { UsageError } from './usage-error';

/**
 * Where the CLI finds its servers: command-line options, then the environment
 * (KAFKA_BROKERS, DATABASE_URL, ...), then the local dev stack's settings file when one is up.
 */
function devStack(): { kafkaBrokers?: string; databaseUrl?: string; migrationsDatabaseUrl?: string } {
  const file = join(process.env.ANNALS_STACK_DIR ?? '/var/tmp/annals', 'dev', 'stack.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

export function kafkaSettings(options: { brokers?: string; topic?: string; dlqTopic?: string }): KafkaConfig {
  const env = { ...process.env };
  env.KAFKA_BROKERS = options.brokers ?? env.KAFKA_BROKERS ?? devStack().kafkaBrokers ?? '127.0.0.1:9092';
  if (options.topic) env.KAFKA_TOPIC = options.topic;
  if (options.dlqTopic) env.KAFKA_DLQ_TOPIC = options.dlqTopic;
  try {
    return loadSettings('annals', kafkaClientSettings, env);
  } catch (error) {
    throw asOptions(error, { KAFKA_BROKERS: options.brokers && '--brokers', KAFKA_TOPIC: options.topic && '--topic', KAFKA_DLQ_TOPIC: options.dlqTopic && '--dlq-topic' });
  }
}

/** The ingestors' consumer group: --group, else KAFKA_GROUP_ID, else the ingestor's default. */
export function consumerGroup(option: string | undefined): string {
  const env = { KAFKA_GROUP_ID: option ?? process.env.KAFKA_GROUP_ID };
  try {
    return loadSettings('annals', consumerSettings.pick({ KAFKA_GROUP_ID: true }), env).KAFKA_GROUP_ID;
  } catch (error) {
    throw asOptions(error, { KAFKA_GROUP_ID: option !== undefined ? '--group' : undefined });
  }
}

export function databaseUrl(option: string | undefined, purpose: 'app' | 'migrations' = 'app'): string {
  const stack = devStack();
  const url =
    option ??
    (purpose === 'migrations' ? (process.env.MIGRATIONS_DATABASE_URL ?? process.env.DATABASE_URL ?? stack.migrationsDatabaseUrl) : (process.env.DATABASE_URL ?? stack.databaseUrl));
  if (!url) throw new UsageError(`no database: pass --database-url, set ${purpose === 'migrations' ? 'MIGRATIONS_DATABASE_URL or ' : ''}DATABASE_URL, or start the local stack (npm run stack:up)`);
  try {
    return loadSettings('annals', databaseClientSettings, { DATABASE_URL: url }).DATABASE_URL;
  } catch (error) {
    const from = option !== undefined ? '--database-url' : purpose === 'migrations' && process.env.MIGRATIONS_DATABASE_URL ? 'MIGRATIONS_DATABASE_URL' : undefined;
    throw asOptions(error, { DATABASE_URL: from });
  }
}

/**
 * A setting refused by its validation, named as the user gave it: `--database-url must be a
 * URL ...`, not `DATABASE_URL`, when it came from the option (`names`: the setting's option,
 * where one gave it).
 */
function asOptions(error: unknown, names: Record<string, string | undefined>): unknown {
  if (!(error instanceof ConfigError) || !error.problems.some((p) => names[p.setting])) return error;
  return new UsageError(error.problems.map((p) => `${names[p.setting] ?? p.setting} ${p.problem}`).join('; '));
}
