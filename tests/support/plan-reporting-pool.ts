import { Pool } from 'pg';

/**
 * A pool of one superuser connection whose every statement's plan PostgreSQL reports back as a
 * notice (auto_explain), collected in `plans`: tests that a statement reads what it should.
 * Superuser, because loading auto_explain needs it; loaded and set at connection start (not by
 * a query on 'connect', which the pool would not wait for). One connection, so that repeated
 * statements share its plan cache. `nestedStatements`: the statements inside functions too.
 */
export function planReportingPool(adminUrl: string, options: { nestedStatements?: boolean } = {}): { pool: Pool; plans: string[] } {
  const plans: string[] = [];
  const pool = new Pool({
    connectionString: adminUrl,
    max: 1,
    options: [
      '-c session_preload_libraries=auto_explain',
      '-c auto_explain.log_min_duration=0',
      ...(options.nestedStatements ? ['-c auto_explain.log_nested_statements=on'] : []),
      '-c auto_explain.log_level=notice',
      '-c client_min_messages=notice',
    ].join(' '),
  });
  pool.on('connect', (client) => client.on('notice', (notice) => plans.push(notice.message ?? '')));
  return { pool, plans };
}
