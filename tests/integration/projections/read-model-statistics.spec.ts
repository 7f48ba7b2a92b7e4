import { Client, type Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * ANALYZE of a version's partitions (the projector runs it each time a live partition doubles)
 * samples the columns plans filter, join and sort on, and skips the reports' JSON, which queries
 * only return: sampling it was most of an ANALYZE's cost.
 */
describe('read model: statistics on what plans use, none on the reports\' JSON', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
  });
  afterAll(() => db.drop());

  const analyzedColumns = async (table: string) =>
    (
      await pool.query<{ attname: string }>(`SELECT attname FROM pg_stats WHERE schemaname = 'read_model' AND tablename = $1 ORDER BY attname`, [table])
    ).rows.map((r) => r.attname);

  it.each([
    ['the version the schema starts with', 1],
    ['a version created later (a rebuild)', 2],
  ])('%s', async (_what, version) => {
    if (version !== 1) await pool.query('SELECT read_model.create_version_partitions($1)', [version]);
    await pool.query(
      `INSERT INTO read_model.facts (version, report_id, position, type, coalition_id, country, roles, retracts, occurred_at, known_at, recorded_at, source, data)
       SELECT $1, 'r-' || i, i, 'coalition.member-joined', 'coalition-' || (i % 7), 'C' || (i % 11), jsonb_build_array(jsonb_build_object('kind', 'air-strikes')),
              NULL, now() - i * interval '1 day', now(), now(), jsonb_build_object('publisher', 'TASS'), jsonb_build_object('coalitionId', 'coalition-' || (i % 7), 'n', i)
         FROM generate_series(1, 300) AS i`,
      [version],
    );
    await pool.query(
      `INSERT INTO read_model.membership (version, coalition_id, country, valid, known, since, roles)
       SELECT $1, 'coalition-' || (i % 7), 'C' || i, tstzrange(now() - i * interval '1 day', NULL), tstzrange(now(), NULL), now(), '[]'::jsonb
         FROM generate_series(1, 300) AS i`,
      [version],
    );
    await pool.query('SELECT read_model.analyze_version_partitions($1)', [version]);

    const facts = await analyzedColumns(`facts_v${version}`);
    expect(facts).toEqual(expect.arrayContaining(['coalition_id', 'country', 'type', 'report_id', 'known_at', 'occurred_at', 'position']));
    for (const json of ['data', 'source', 'roles']) expect(facts).not.toContain(json);
    const membership = await analyzedColumns(`membership_v${version}`);
    expect(membership).toEqual(expect.arrayContaining(['coalition_id', 'country', 'valid', 'known']));
    expect(membership).not.toContain('roles');
  });

  // The refresh only has to tell the planner a partition's new size and rough distributions
  // before autovacuum's own ANALYZE refines them: a coarse sample, a tenth of the default, keeps
  // it cheap on the cores ingestion is using. The coarse target is the refresh's alone.
  it("the projector's refresh samples coarsely; an ANALYZE of the partition (autovacuum's) keeps the default resolution", async () => {
    const version = 3;
    await pool.query('SELECT read_model.create_version_partitions($1)', [version]);
    // 3,000 facts, each with an instant of its own: a histogram of occurred_at has as many
    // bounds as the target allows (target + 1)
    await pool.query(
      `INSERT INTO read_model.facts (version, report_id, position, type, coalition_id, country, roles, retracts, occurred_at, known_at, recorded_at, source, data)
       SELECT $1, 'r-' || i, i, 'coalition.member-joined', 'coalition-' || (i % 7), 'C' || (i % 11), '[]'::jsonb,
              NULL, timestamptz '2014-01-01' + i * interval '1 hour', now(), now(), '{}'::jsonb, '{}'::jsonb
         FROM generate_series(1, 3000) AS i`,
      [version],
    );
    const bounds = async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT array_length(histogram_bounds::text::text[], 1) AS n FROM pg_stats
            WHERE schemaname = 'read_model' AND tablename = $1 AND attname = 'occurred_at'`,
          [`facts_v${version}`],
        )
      ).rows[0]?.n;
    const { rows } = await pool.query<{ target: number }>(`SELECT current_setting('default_statistics_target')::int AS target`);
    const defaultTarget = rows[0]!.target;

    await pool.query('SELECT read_model.analyze_version_partitions($1)', [version]);
    const coarse = await bounds();
    expect(coarse).toBeGreaterThan(1);
    expect(coarse).toBeLessThanOrEqual(11);

    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      await owner.query(`ANALYZE read_model.facts_v${version}`);
    } finally {
      await owner.end();
    }
    expect(await bounds()).toBe(defaultTarget + 1);
  });
});
