/**
 * The real servers integration tests use, as global-setup found or started them.
 * Reading them outside a run that did so is an error, never a reason to skip.
 */
export interface TestServers {
  kafkaBrokers: string[];
  adminDatabaseUrl: string;
  ownerDatabaseUrl: string;
  appDatabaseUrl: string;
}

export function testServers(): TestServers {
  const env = process.env;
  const missing = ['ANNALS_TEST_KAFKA_BROKERS', 'ANNALS_TEST_ADMIN_DATABASE_URL', 'ANNALS_TEST_OWNER_DATABASE_URL', 'ANNALS_TEST_APP_DATABASE_URL'].filter(
    (name) => !env[name],
  );
  if (missing.length) {
    throw new Error(
      `integration tests need a real Kafka and PostgreSQL, and ${missing.join(', ')} is not set. ` +
        'Run them with `npm test` (which starts a local stack), or set KAFKA_BROKERS and DATABASE_ADMIN_URL.',
    );
  }
  return {
    kafkaBrokers: env.ANNALS_TEST_KAFKA_BROKERS!.split(','),
    adminDatabaseUrl: env.ANNALS_TEST_ADMIN_DATABASE_URL!,
    ownerDatabaseUrl: env.ANNALS_TEST_OWNER_DATABASE_URL!,
    appDatabaseUrl: env.ANNALS_TEST_APP_DATABASE_URL!,
  };
}

/** A name no other test run or suite uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
