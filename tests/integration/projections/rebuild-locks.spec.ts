import { Client, type Pool } from 'pg';
import { DataSource, type QueryRunner } from 'typeorm';
import { ProjectionVersionEntity, ProjectionVersions, ReadModelBusyError } from '@annals/projections';
import { PartitionLocksFirst1764300019000 } from '@annals/projections/schema/1764300019000-partition-locks-first';
import { createTestDatabase, eventually, type TestDatabase } from '@annals/testing';

/**
 * Starting a rebuild creates the new version's partitions, and dropping a retired version's
 * partitions removes them: both lock the read model's parent tables, which every query reads.
 * A query reads them in the order of its own plan, so it can hold one that the rebuild needs
 * while it waits for one the rebuild holds. The query must be answered, and the rebuild must
 * still happen once the query is done (in CI the rebuild was the side PostgreSQL cancelled:
 * POST /admin/replay answered 500).
 */
describe('read model: creating and dropping a version\'s partitions gives way to queries', () => {
  let db: TestDatabase;
  let pool: Pool;
  let dataSource: DataSource;
  let versions: ProjectionVersions;
  let reader: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
    dataSource = new DataSource({ type: 'postgres', url: db.appUrl, entities: [ProjectionVersionEntity], synchronize: false, extra: { max: 1 } });
    await dataSource.initialize();
    versions = new ProjectionVersions(pool, dataSource.getRepository(ProjectionVersionEntity));
  });
  beforeEach(async () => {
    reader = new Client({ connectionString: db.appUrl });
    await reader.connect();
  });
  afterEach(() => reader.end());
  afterAll(async () => {
    await dataSource?.destroy();
    await db.drop();
  });

  /** A query's transaction that has read read_model.coalitions and keeps its lock. */
  const queryHoldingCoalitions = async () => {
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM read_model.coalitions');
  };
  /** Until another session waits for a lock on read_model.coalitions (the rebuild, stuck behind the reader). */
  const someoneWaitsForCoalitions = () =>
    eventually(
      'a session waiting for read_model.coalitions',
      async () => {
        const { rows } = await pool.query("SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'read_model.coalitions'::regclass");
        return rows.length > 0 ? true : undefined;
      },
      10_000,
      5,
    );
  const partitionsOf = async (version: number) =>
    (
      await pool.query<{ name: string | null }>(
        `SELECT to_regclass(format('read_model.%I', t || '_v' || $1::int))::text AS name FROM unnest(ARRAY['facts', 'membership', 'coalitions']) AS t`,
        [version],
      )
    ).rows
      .map((r) => r.name)
      .filter((name) => name !== null);

  it('a query that reads coalitions, then facts, while a rebuild starts, is answered; the rebuild starts once it is done', async () => {
    await queryHoldingCoalitions();
    const rebuild = versions.startRebuild();
    const outcome = rebuild.then(
      (started) => ({ started }),
      (error: unknown) => ({ error }),
    );
    await someoneWaitsForCoalitions();
    // the query's next table: the rebuild may hold it at this moment
    await expect(reader.query('SELECT count(*)::int AS n FROM read_model.facts')).resolves.toMatchObject({ rows: [{ n: 0 }] });
    await reader.query('COMMIT');
    expect(await outcome).toEqual({ started: { version: 2, created: true } });
    expect(await partitionsOf(2)).toEqual(['read_model.facts_v2', 'read_model.membership_v2', 'read_model.coalitions_v2']);
  });

  it('a rebuild that cannot get the tables within its limit fails with a clear error and changes nothing', async () => {
    await queryHoldingCoalitions();
    // version 2 from the test before is under way: a new rebuild would only report it, so retire it first
    await pool.query("UPDATE read_model.versions SET state = 'retired', retired_at = now() WHERE version = 2");
    const error = await versions.startRebuild({ giveUpAfterMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadModelBusyError);
    expect((error as Error).message).toMatch(/read model's tables stayed in use .* for 1000 ms, \d+ tries: no rebuild was started; try again/);
    // the query goes on undisturbed, and nothing of the failed start is left
    await expect(reader.query('SELECT count(*)::int AS n FROM read_model.facts')).resolves.toMatchObject({ rows: [{ n: 0 }] });
    await reader.query('COMMIT');
    expect((await versions.states()).map((v) => [v.version, v.state])).toEqual([
      [1, 'active'],
      [2, 'retired'],
    ]);
    expect(await partitionsOf(3)).toEqual([]);
    // once the tables are free it starts, as the next version
    await expect(versions.startRebuild()).resolves.toEqual({ version: 3, created: true });
  });

  it("dropping a retired version's partitions gives way to a query in the same way, and happens once the query is done", async () => {
    await queryHoldingCoalitions();
    const purged = versions.purge(2);
    await expect(reader.query('SELECT count(*)::int AS n FROM read_model.facts')).resolves.toMatchObject({ rows: [{ n: 0 }] });
    await reader.query('COMMIT');
    // it either waited for the query or gave way to it (the runner then tries again)
    if (!(await purged)) expect(await versions.purge(2)).toBe(true);
    expect(await partitionsOf(2)).toEqual([]);
  });

  it('the migration goes down to taking the locks one table at a time, and up again; the functions work both ways', async () => {
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    const definitions = async () =>
      (
        await owner.query<{ definition: string }>(
          "SELECT pg_get_functiondef(p.oid) AS definition FROM pg_proc p WHERE p.pronamespace = 'read_model'::regnamespace AND p.proname IN ('create_version_partitions', 'drop_version_partitions') ORDER BY p.proname",
        )
      ).rows.map((r) => r.definition);
    const createAndDrop = async (version: number) => {
      await pool.query('SELECT read_model.create_version_partitions($1)', [version]);
      expect(await partitionsOf(version)).toHaveLength(3);
      await pool.query("INSERT INTO read_model.versions (version, state, phase) VALUES ($1, 'retired', 'loading')", [version]);
      await pool.query('SELECT read_model.drop_version_partitions($1)', [version]);
      expect(await partitionsOf(version)).toEqual([]);
    };
    try {
      const migration = new PartitionLocksFirst1764300019000();
      const runner = { query: (sql: string) => owner.query(sql) } as unknown as QueryRunner;
      const up = await definitions();
      expect(up.every((d) => d.includes('LOCK TABLE ONLY read_model.facts, ONLY read_model.membership, ONLY read_model.coalitions'))).toBe(true);
      await migration.down(runner);
      expect((await definitions()).some((d) => d.includes('LOCK TABLE'))).toBe(false);
      await createAndDrop(10);
      await migration.up(runner);
      expect(await definitions()).toEqual(up);
      await createAndDrop(11);
    } finally {
      await owner.end();
    }
  });
});
