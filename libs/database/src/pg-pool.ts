import { Pool, types } from 'pg';
import type { DatabaseConfig } from '@annals/config';
import { closeOnSilence, SILENCE_GRACE_MS } from './silent-server';

// int8 (positions, versions, counts) as JS numbers: they stay far below 2^53.
types.setTypeParser(types.builtins.INT8, (value) => Number.parseInt(value, 10));

/**
 * How long a new connection may take to be answered. Without a bound, a server that accepts and
 * never answers (a wrong port, a stalled host) held a connect for ever: an app starting against
 * one waited without end and without a word (TypeORM's retries never came).
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The pg pool every hand-written query goes through. The session settings matter for
 * correctness, not only tidiness: a session idle inside a transaction would hold back
 * every catch-up reader of the event store (docs/decisions/0003-global-order.md).
 */
export function createPgPool(config: DatabaseConfig, applicationName: string): Pool {
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    application_name: applicationName,
    max: config.DATABASE_POOL_SIZE,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Statements issued on one client without awaiting the one before are sent at once, and
    // PostgreSQL runs them in order while Node works on earlier results: the projector's
    // recomputation (coalition-membership.projection.ts) overlaps its reads, computing and
    // writes that way. Code that awaits each statement sees no difference. (Without it, pg
    // queues such statements itself, and deprecates doing so.)
    pipeline: true,
    options: [
      `-c idle_in_transaction_session_timeout=${config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
      `-c statement_timeout=${config.DATABASE_STATEMENT_TIMEOUT_MS}`,
      '-c timezone=UTC',
      // Annals' statements are short index lookups and batched writes: JIT compilation would
      // cost more than it saves (hundreds of ms when a stale estimate crosses jit_above_cost).
      '-c jit=off',
      // Named statements (the API's hot questions) keep one plan per connection: with run-time
      // partition pruning a generic plan is as good as a custom one, and skips ~1 ms of planning.
      '-c plan_cache_mode=force_generic_plan',
    ].join(' '),
  });
  // A client that loses its server emits 'error': an idle one on the pool, a checked-out one
  // (between two queries of a transaction, or holding a lock) on itself. Unheard, either would
  // crash the process when PostgreSQL restarts. The work on that client fails on its next
  // query and retries; release() discards the dead client (pg-pool checks it is queryable).
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  // a statement still unanswered after its timeout and the grace has met a frozen server or path
  closeOnSilence(pool, config.DATABASE_STATEMENT_TIMEOUT_MS + SILENCE_GRACE_MS);
  return pool;
}
