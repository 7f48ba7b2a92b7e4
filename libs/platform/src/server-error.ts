import { isTransient } from './transient-error';

/**
 * kafkajs throws a few plain Errors of its own, not named like the others ("Broker not
 * connected", from its broker code, when a request finds a broker it has not finished connecting).
 * Only the frame that threw counts (an error of Annals' own code may have kafkajs frames below
 * it, when kafkajs called that code).
 */
const thrownByKafkaJs = (error: Error) => /[\\/]node_modules[\\/]kafkajs[\\/]/.test(error.stack?.split('\n')[1] ?? '');

/** SQLSTATEs that mean the database has not been migrated: no such table, no such schema. */
const NOT_MIGRATED = new Set(['42P01', '3F000']);

/**
 * An error a server gave (PostgreSQL, Kafka) or the way to it, as one line that says which
 * server and what it said; undefined for any other error. A wrong password, a database that
 * does not exist or a broker out of reach is the operator's to fix, not a fault of Annals: its
 * stack (pg-protocol's or kafkajs' frames) only buried the message. For `annals` (the CLI)
 * and for the apps' start (runApp).
 */
export function serverError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name.startsWith('KafkaJS') || thrownByKafkaJs(error)) return `Kafka: ${error.message}`;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (typeof severity === 'string' && typeof code === 'string') {
    const hint = NOT_MIGRATED.has(code) ? '; is the database migrated? (annals migrate)' : '';
    return `PostgreSQL: ${error.message} (SQLSTATE ${code})${hint}`;
  }
  // Annals reaches Kafka only through kafkajs, whose errors are named above. Annals' own
  // transient errors about PostgreSQL (SilentServerError: "PostgreSQL did not answer for N ms
  // ...") already say so, and are given as they are rather than saying it twice.
  if (isTransient(error)) return error.message.startsWith('PostgreSQL ') ? error.message : `PostgreSQL did not answer: ${error.message}`;
  return undefined;
}
