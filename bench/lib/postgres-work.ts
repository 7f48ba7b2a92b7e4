import type { Pool } from 'pg';
import { treeSecondsByChild } from './cpu';

/**
 * Whom PostgreSQL's CPU served: the backends of the ingestor's connections, of the projector's,
 * of this benchmark's (its polling), and the rest of the server (background processes:
 * autovacuum, I/O workers, the WAL writer, the checkpointer; and backends that exited meanwhile,
 * whose time the postmaster reaps without saying whose they were).
 */
export type PostgresWork = 'ingestor' | 'projector' | 'benchmark' | 'background';

/** PostgreSQL's processes' CPU seconds so far (treeSecondsByChild of the postmaster): read at once, named after (namePostgresWork). */
export type PostgresProcesses = ReturnType<typeof treeSecondsByChild>;

export interface PostgresWorkSnapshot extends PostgresProcesses {
  /** Each client backend's application's work, by pid (pg_stat_activity's application_name). */
  clients: Map<number, PostgresWork>;
}

/** The application names the apps' pools give their connections (libs/database's createPgPool and its TypeORM one). */
function workOf(applicationName: string): PostgresWork {
  if (applicationName.startsWith('annals-ingestor')) return 'ingestor';
  if (applicationName.startsWith('annals-projector')) return 'projector';
  return 'benchmark';
}

/**
 * Which application each client backend of a reading serves. `admin` must see every session's
 * application name (a superuser's pool); its own backend counts as the benchmark's. Read after
 * the processes, the session list names every backend among them still alive.
 */
export async function namePostgresWork(processes: PostgresProcesses, admin: Pool): Promise<PostgresWorkSnapshot> {
  const { rows } = await admin.query<{ pid: number; application_name: string | null }>(
    "SELECT pid, application_name FROM pg_stat_activity WHERE backend_type = 'client backend'",
  );
  return { ...processes, clients: new Map(rows.map((r) => [r.pid, workOf(r.application_name ?? '')])) };
}

/** The CPU seconds each kind of work took between two snapshots; they add up to the server's. */
export function postgresWorkBetween(from: PostgresWorkSnapshot, to: PostgresWorkSnapshot): Record<PostgresWork, number> {
  const work: Record<PostgresWork, number> = { ingestor: 0, projector: 0, benchmark: 0, background: 0 };
  // what the postmaster reaped meanwhile includes the exited processes' time from before `from`
  let background = to.rootAndReaped - from.rootAndReaped;
  for (const [pid, seconds] of from.children) if (!to.children.has(pid)) background -= seconds;
  for (const [pid, seconds] of to.children) {
    const used = seconds - (from.children.get(pid) ?? 0);
    const client = to.clients.get(pid) ?? from.clients.get(pid);
    // not in either session list: a background process, or a backend that exited before the list was read
    if (client) work[client] += used;
    else background += used;
  }
  work.background += background;
  return work;
}
