import { Client } from 'pg';

export interface StatementCost {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  /** Rows returned or written, all calls together (absent in results from before it was recorded). */
  rows?: number;
}

/** pg_stat_statements, reset and read around a section: where PostgreSQL spent its time. */
export async function resetStatements(adminUrl: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  await client.query('SELECT pg_stat_statements_reset()').catch(() => undefined);
  await client.end();
}

export async function topStatements(adminUrl: string, limit = 8): Promise<StatementCost[]> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ query: string; calls: string; total: number; mean: number; rows: string }>(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time AS total, mean_exec_time AS mean, rows
         FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ query: r.query.slice(0, 140), calls: Number(r.calls), totalMs: Math.round(r.total), meanMs: Math.round(r.mean * 100) / 100, rows: Number(r.rows) }));
  } finally {
    await client.end();
  }
}
