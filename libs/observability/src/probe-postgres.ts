import type { Pool } from 'pg';
import { within } from './within';

/** How long a readiness probe waits for PostgreSQL: well inside a load balancer's probe timeout. */
const PROBE_MS = 2000;

/** Resolves when PostgreSQL answers a trivial query in time; rejects with why not (the api's and the projector's readiness). */
export async function probePostgres(pool: Pool): Promise<void> {
  await within(pool.query('SELECT 1'), PROBE_MS, 'PostgreSQL');
}
