import { ensureChromium } from './chromium';
import { claimStack, readStackSettings, stackCommand } from './stack-process';

/**
 * Integration tests run against a real Kafka broker and a real PostgreSQL server:
 * the ones KAFKA_BROKERS and DATABASE_ADMIN_URL (or DATABASE_URL) name, or else a fresh
 * `test` profile stack started here and stopped by global-teardown. Failing to start
 * one fails the run; integration tests are never skipped for want of servers.
 */
export default async function globalSetup(): Promise<void> {
  // Several projects (integration, chaos) share this setup; the first one sets the servers up.
  if (process.env.ANNALS_TEST_KAFKA_BROKERS) return;
  // The browser tests need Chromium; without it they are skipped, loudly (tests/integration/browser).
  const chromium = ensureChromium((line) => console.log(`\n[integration] ${line}`));
  if (!chromium.ok) process.env.ANNALS_CHROMIUM_MISSING = chromium.why;

  const adminUrl = process.env.DATABASE_ADMIN_URL || process.env.DATABASE_URL;
  if (process.env.KAFKA_BROKERS && adminUrl) {
    process.env.ANNALS_TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS;
    process.env.ANNALS_TEST_ADMIN_DATABASE_URL = adminUrl;
    process.env.ANNALS_TEST_OWNER_DATABASE_URL = process.env.MIGRATIONS_DATABASE_URL || adminUrl;
    process.env.ANNALS_TEST_APP_DATABASE_URL = process.env.DATABASE_URL || adminUrl;
    console.log(`\n[integration] using the configured servers: KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return;
  }
  claimStack('test');
  console.log('\n[integration] starting a fresh local stack (profile "test")');
  await stackCommand('destroy', 'test');
  await stackCommand('up', 'test');
  const settings = readStackSettings('test');
  process.env.ANNALS_TEST_STACK = 'test';
  process.env.ANNALS_TEST_KAFKA_BROKERS = settings.kafkaBrokers;
  process.env.ANNALS_TEST_ADMIN_DATABASE_URL = settings.adminDatabaseUrl;
  process.env.ANNALS_TEST_OWNER_DATABASE_URL = settings.migrationsDatabaseUrl;
  process.env.ANNALS_TEST_APP_DATABASE_URL = settings.databaseUrl;
}
