import { PostgresEventStore, type StoredEvent } from '@annals/event-store';
import { ProjectionVersionEntity, ProjectionVersions, readFacts } from '@annals/projections';
import { DataSource } from 'typeorm';
import type { BenchContext } from './lib/bench-context';
import { CpuMeter } from './lib/cpu';
import { storeReports } from './lib/dataset';
import { dropRetiredVersions, rebuildReadModel } from './lib/rebuild';
import { interleaved, type Summary } from './lib/stats';

/**
 * Replay: rebuilding the read model from the event store (a new version, from the first event
 * to active) in events per second, against a raw sequential read of the events table in the
 * same order, at 10k, 100k and 1M stored events.
 */
export interface ReplayResult {
  events: number;
  eventsPerSecond: Record<string, Summary>;
  cpuPerThousand: Record<string, Record<string, number>>;
  membershipRows: number;
}

export interface Dataset {
  events: number;
  appUrl: string;
  adminUrl: string;
}

/** A database holding `events` stored reports (made once per scale, shared by replay and queries). */
export async function dataset(ctx: BenchContext, events: number): Promise<Dataset> {
  const db = await ctx.database(`bench_${events}`);
  const pool = ctx.pool(db.appUrl, 12);
  const started = Date.now();
  await storeReports(new PostgresEventStore(pool), events, events, `r${events}`, (done) => {
    if (done % 100_000 === 0) console.log(`    stored ${done} reports (${Math.round(done / ((Date.now() - started) / 1000))}/s)`);
  });
  await pool.query('VACUUM ANALYZE event_store.events').catch(() => undefined);
  await pool.end();
  return { events, ...db };
}

export async function replayBenchmark(ctx: BenchContext, data: Dataset, options: { trials: number }): Promise<ReplayResult> {
  const pool = ctx.pool(data.appUrl, 8);
  const store = new PostgresEventStore(pool);
  const source = new DataSource({ type: 'postgres', url: data.appUrl, entities: [ProjectionVersionEntity], extra: { max: 2 } });
  await source.initialize();
  const versions = new ProjectionVersions(pool, source.getRepository(ProjectionVersionEntity));
  const cpu = new CpuMeter(() => ({ postgres: ctx.postgresPid, node: process.pid }));
  const cpuTotals: Record<string, Record<string, number>> = {};
  const measure = (name: string, work: () => Promise<void>) => async () => {
    cpu.begin();
    const started = process.hrtime.bigint();
    await work();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const [proc, s] of Object.entries(cpu.end())) (cpuTotals[name] ??= {})[proc] = (cpuTotals[name]![proc] ?? 0) + s;
    return data.events / seconds;
  };

  const rebuild = () => rebuildReadModel(pool, store, versions);
  const rawRead = async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DECLARE everything NO SCROLL CURSOR FOR SELECT * FROM event_store.events ORDER BY transaction_id, position');
      for (;;) {
        const { rows } = await client.query('FETCH 2000 FROM everything');
        if (rows.length === 0) break;
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };

  /**
   * The least any rebuild of the read model the questions read must do: read every event (the
   * raw read), write each report's fact row (readFacts, the projection's own reading; multi-row
   * inserts into an unindexed table), then build the facts partition's indexes; write the
   * membership rows Annals computed (copied inside PostgreSQL from a staging table made before
   * the trials: no computing, parsing or sending them) and build the membership indexes the
   * questions use. No retractions, no checkpoints, no computing of intervals: an upper bound
   * for Annals' rebuild on this machine.
   */
  const floorPool = ctx.pool(data.adminUrl, 2); // creates tables of its own: not the app's role
  const floorRebuild = async () => {
    await floorPool.query(`DROP TABLE IF EXISTS bench_floor_facts, bench_floor_membership`);
    await floorPool.query(`CREATE TABLE bench_floor_facts (LIKE read_model.facts INCLUDING DEFAULTS)`);
    await floorPool.query(`CREATE TABLE bench_floor_membership (LIKE bench_floor_membership_rows)`);
    const client = await floorPool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DECLARE everything NO SCROLL CURSOR FOR SELECT * FROM event_store.events ORDER BY transaction_id, position');
      for (;;) {
        const { rows } = await client.query<{ event_type: string; payload: unknown; position: number; recorded_at: Date }>('FETCH 2000 FROM everything');
        if (rows.length === 0) break;
        const { facts } = readFacts(rows.map((r) => ({ type: r.event_type, data: r.payload, position: r.position, recordedAt: r.recorded_at }) as StoredEvent));
        await floorPool.query(
          `INSERT INTO bench_floor_facts (version, report_id, position, type, coalition_id, country, roles, retracts, occurred_at, known_at, recorded_at, source, data)
           SELECT 0, * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::jsonb[], $12::jsonb[])`,
          [
            facts.map((f) => f.reportId), facts.map((f) => f.position), facts.map((f) => f.type), facts.map((f) => f.coalitionId), facts.map((f) => f.country),
            facts.map((f) => JSON.stringify(f.roles)), facts.map((f) => f.retracts), facts.map((f) => f.occurredAt), facts.map((f) => f.knownAt),
            facts.map((f) => f.recordedAt), facts.map((f) => JSON.stringify(f.source)), facts.map((f) => JSON.stringify(f.data)),
          ],
        );
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await floorPool.query('CREATE UNIQUE INDEX ON bench_floor_facts (report_id)');
    await floorPool.query('CREATE INDEX ON bench_floor_facts (coalition_id, occurred_at) WHERE coalition_id IS NOT NULL');
    await floorPool.query('CREATE INDEX ON bench_floor_facts (coalition_id, country, occurred_at) WHERE country IS NOT NULL');
    await floorPool.query('CREATE INDEX ON bench_floor_facts (retracts) WHERE retracts IS NOT NULL');
    await floorPool.query('INSERT INTO bench_floor_membership SELECT * FROM bench_floor_membership_rows');
    // the indexes of a membership partition (read_model.index_version_partitions)
    await floorPool.query('CREATE INDEX ON bench_floor_membership USING gist (hashtextextended(coalition_id, 0), valid, known)');
    await floorPool.query('CREATE INDEX ON bench_floor_membership (coalition_id, country)');
  };

  // The dataset was stored without a projector: its active version has projected nothing. Left
  // so, the runner would project all of it live during the first measured rebuild. One rebuild
  // first, unmeasured, leaves what a running deployment has: an active version caught up.
  await rebuild();
  await dropRetiredVersions(versions);
  await floorPool.query('DROP TABLE IF EXISTS bench_floor_membership_rows');
  await floorPool.query(
    `CREATE TABLE bench_floor_membership_rows AS
     SELECT coalition_id, country, valid, known, since, roles FROM read_model.membership
      WHERE version = (SELECT version FROM read_model.versions WHERE state = 'active')`,
  );
  // the previous version's rows go after each rebuild, outside its measurement
  const measuredRebuild = measure('Annals rebuild', rebuild);
  const rebuildThenDrop = async () => {
    const rate = await measuredRebuild();
    await dropRetiredVersions(versions);
    return rate;
  };
  const eventsPerSecond = await interleaved(
    { 'Annals rebuild': rebuildThenDrop, 'floor rebuild': measure('floor rebuild', floorRebuild), 'raw sequential read': measure('raw sequential read', rawRead) },
    options.trials,
  );
  await floorPool.query('DROP TABLE IF EXISTS bench_floor_facts, bench_floor_membership, bench_floor_membership_rows');
  await floorPool.end();
  const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM read_model.membership WHERE version = (SELECT version FROM read_model.versions WHERE state = 'active')");
  await source.destroy();
  await pool.end();
  const cpuPerThousand = Object.fromEntries(
    Object.entries(cpuTotals).map(([name, procs]) => [name, Object.fromEntries(Object.entries(procs).map(([p, s]) => [p, (s / (data.events * options.trials)) * 1000]))]),
  );
  console.log(`  replay ${data.events}: ${Object.entries(eventsPerSecond).map(([n, s]) => `${n} ${Math.round(s.median)}/s`).join(', ')}; ${rows[0]!.n} membership rows`);
  return { events: data.events, eventsPerSecond, cpuPerThousand, membershipRows: rows[0]!.n };
}
