/**
 * Errors that pass by themselves: the database or broker restarting, out of reach or busy.
 * The ingestor retries the messages that hit them, with backoff, and never dead-letters them;
 * the api answers the requests that hit them 503, try again (not 500, a fault of Annals).
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '53200', // out_of_memory, which is also how a full shared lock table fails (docs/operations.md): it frees as other transactions end
  '53400', // configuration_limit_exceeded
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement timeout)
  '25P03', // idle_in_transaction_session_timeout
]);

export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}

export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; name?: unknown; retriable?: unknown };
  if (typeof e.code === 'string' && (TRANSIENT_CODES.has(e.code) || e.code.startsWith('08'))) return true; // 08xxx: connection exceptions
  if (e.retriable === true) return true; // kafkajs marks its retriable errors
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Connection closed|KafkaJSConnection|This socket has been ended/i.test(
    message,
  );
}
