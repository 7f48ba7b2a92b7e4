/**
 * What the api's copy of the read model (StateCopy) costs in memory, on the benchmark's data
 * set: `node -r @swc-node/register bench/state-copy-memory.ts [events] [reuse]` (from the
 * repository's root; the bench stack's own servers). Makes the data set of `events` stored
 * reports (1,000,000 unless given) as `npm run bench` does, rebuilds the read model, then loads
 * a copy in this process and prints its size, the RSS after the load and the time of 5,000
 * answers. With `reuse`, the data set of an earlier run is used as it is. Not part of
 * `npm run bench`: a measurement for docs/operations.md ("The api's copy of the read model").
 */
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from '@annals/event-store';
import { ProjectionVersionEntity, ProjectionVersions } from '@annals/projections';
import { loadStateCopy } from '@annals/queries/state-copy/load-state-copy';
import { BenchContext } from './lib/bench-context';
import { rebuildReadModel } from './lib/rebuild';
import { dataset } from './replay.bench';

const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 1_000_000);
  const ctx = new BenchContext();
  await ctx.up();
  let appUrl: string;
  let adminUrl: string;
  if (process.argv[3] === 'reuse') {
    const inDatabase = (url: string) => url.replace(/\/[^/]+$/, `/bench_${events}`);
    appUrl = inDatabase(ctx.settings.databaseUrl);
    adminUrl = inDatabase(ctx.settings.adminDatabaseUrl);
  } else {
    ({ appUrl, adminUrl } = await dataset(ctx, events));
    const pool = ctx.pool(appUrl, 8);
    const source = new DataSource({ type: 'postgres', url: appUrl, entities: [ProjectionVersionEntity], extra: { max: 2 } });
    await source.initialize();
    await rebuildReadModel(pool, new PostgresEventStore(pool), new ProjectionVersions(pool, source.getRepository(ProjectionVersionEntity)));
    await pool.end();
    await source.destroy();
  }
  const admin = new Pool({ connectionString: adminUrl });
  const { rows } = await admin.query<{ rows: number; openings: number }>(
    `SELECT count(*)::int AS rows, count(DISTINCT (m.coalition_id, m.country, m.since, m.roles::text))::int AS openings
       FROM read_model.membership m JOIN read_model.versions v ON v.version = m.version AND v.state = 'active'
      WHERE NOT isempty(m.valid) AND NOT isempty(m.known)`,
  );
  await admin.end();
  console.log(`membership rows ${rows[0]!.rows}, of which opening differently (country, start, roles) ${rows[0]!.openings}`);

  const pool = new Pool({ connectionString: appUrl, max: 2 });
  const started = Date.now();
  const { copy, facts } = await loadStateCopy(pool, Number.MAX_SAFE_INTEGER);
  const memory = process.memoryUsage();
  console.log(`copy of ${facts} membership facts: ${MiB(copy!.bytes)}, loaded in ${Date.now() - started} ms; RSS ${MiB(memory.rss)}, array buffers ${MiB(memory.arrayBuffers)}`);
  const ids = (await pool.query<{ id: string }>('SELECT DISTINCT coalition_id AS id FROM read_model.membership ORDER BY 1')).rows.map((r) => r.id);
  let bytes = 0;
  const timed = process.hrtime.bigint();
  for (let q = 0; q < 5000; q++) bytes += copy!.answer(ids[q % ids.length]!, new Date(Date.UTC(2014, q % 12, 1)), new Date(Date.UTC(2016, 0, 1))).length;
  console.log(`5,000 answers in ${(Number(process.hrtime.bigint() - timed) / 1e6).toFixed(0)} ms, ${(bytes / 5000 / 1024).toFixed(0)} KiB each`);
  await pool.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
