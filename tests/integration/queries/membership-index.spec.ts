import { Client, Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { COUNTRY_CODES } from '@annals/contracts';
import { PostgresEventStore } from '@annals/event-store';
import { MembershipCountryBySkipScan1764300023000 } from '@annals/projections/schema/1764300023000-membership-country-by-skip-scan';
import { CoalitionQueries } from '@annals/queries';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The membership GiST index is keyed on a hash of the coalition id (migration 1764300007000):
 * a question that names only the id cannot use it, and reads the coalition's rows by another
 * index or the whole partition instead, at a cost that grows with the log. Every question
 * keyed on a coalition must reach its rows through that index. The per-country question names
 * no coalition: it reads the country's rows by the pair index (a skip scan, migration
 * 1764300023000), and must keep off the GiST, which could narrow only by time. Plans read with
 * auto_explain, as PostgreSQL runs the api's own statements, over enough rows (190,000: 100
 * coalitions, 190 countries, 10 rows each, each valid for 100 days) that an index lookup is the
 * plan a correct question gets, and that the planner, left to itself, would AND the GiST into
 * the per-country question, as it did on the benchmark's 1,000,000 events.
 */
describe('queries: the membership indexes serve every question', () => {
  let db: TestDatabase;
  let pool: Pool;
  let queries: CoalitionQueries;
  const plans: string[] = [];

  // 190 countries, by their codes (the per-country question answers only for a country code)
  const countries = [...COUNTRY_CODES].sort().slice(0, 190);

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.adminUrl, max: 1 }); // superuser: LOAD 'auto_explain'
    await pool.query(`
      INSERT INTO read_model.coalitions (version, coalition_id, first_position)
      SELECT 1, 'coalition-' || lpad(c::text, 3, '0'), c FROM generate_series(0, 99) c`);
    // per pair ten rows in valid time, each known from its own knowledge time on
    await pool.query(`
      INSERT INTO read_model.membership (version, coalition_id, country, valid, known, since, roles)
      SELECT 1, 'coalition-' || lpad(c::text, 3, '0'), ($1::text[])[k + 1],
             tstzrange(timestamptz '2010-01-01' + (r * 100 + k) * interval '1 day', timestamptz '2010-01-01' + (r * 100 + k + 100) * interval '1 day'),
             tstzrange(timestamptz '2011-01-01' + (r * 10 + c) * interval '1 day', NULL),
             timestamptz '2010-01-01' + (r * 100 + k) * interval '1 day', '[{"kind":"airstrikes","theater":"IQ","since":"2014-09-19T00:00:00.000Z"}]'::jsonb
        FROM generate_series(0, 99) c, generate_series(0, 189) k, generate_series(0, 9) r`,
      [countries],
    );
    await pool.query('ANALYZE read_model.membership_v1, read_model.coalitions_v1');
    const client = await pool.connect();
    client.on('notice', (notice) => plans.push(notice.message ?? ''));
    await client.query(`LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_level = 'notice'; SET client_min_messages = 'notice'`);
    client.release();
    queries = new CoalitionQueries(pool, new PostgresEventStore(pool));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  /** The plans of the statements that read membership rows while `question` ran. */
  async function membershipPlans(question: () => Promise<unknown>): Promise<string[]> {
    plans.length = 0;
    await question();
    return plans.filter((plan) => plan.includes('membership_v1'));
  }

  const at = new Date('2011-06-01');
  const knownAt = new Date('2012-01-01');
  it.each([
    ['state', () => queries.state('coalition-042', at, knownAt)],
    ['list', () => queries.list(at, knownAt)],
    ['history', () => queries.history('coalition-042', knownAt)],
    ['diff', () => queries.diff('coalition-042', new Date('2010-06-01'), at, knownAt)],
  ])('%s: the coalition rows by the GiST index, on the hash of the id', async (_name, question) => {
    const found = await membershipPlans(question);
    expect(found.length).toBeGreaterThan(0);
    for (const plan of found) {
      expect(plan).not.toMatch(/Seq Scan on membership_v1/);
      expect(plan).toMatch(/Index Scan using membership_v1_at|Bitmap Index Scan on membership_v1_at/);
      expect(plan).toMatch(/Index Cond: \(\(hashtextextended\(coalition_id, '0'::bigint\) = /);
    }
  });

  it('country: the rows of one country by the pair index, not by the GiST', async () => {
    const found = await membershipPlans(() => queries.countryCoalitions(countries[7]!, at, knownAt));
    expect(found.length).toBeGreaterThan(0);
    for (const plan of found) {
      expect(plan).not.toMatch(/Seq Scan on membership_v1/);
      expect(plan).not.toMatch(/membership_v1_at/);
      expect(plan).toContain(`Index Cond: (country = '${countries[7]}'::text)`);
      expect(plan).toMatch(/Index Scan using membership_v1_pair|Bitmap Index Scan on membership_v1_pair/);
    }
  });

  it('country: the answer is every row of the country valid and known then, in coalition order', async () => {
    for (const [country, when, known] of [
      [countries[7]!, at, knownAt],
      [countries[0]!, new Date('2010-06-01'), new Date('2011-01-15')], // known then of some coalitions only
      [countries[39]!, new Date('2012-06-01'), new Date('2020-01-01')],
    ] as const) {
      const { rows } = await pool.query<{ coalition_id: string }>(
        `SELECT coalition_id FROM read_model.membership
          WHERE version = 1 AND country = $1 AND valid @> $2::timestamptz AND known @> $3::timestamptz`,
        [country, when, known],
      );
      const expected = rows.map((r) => r.coalition_id).sort();
      expect(expected.length).toBeGreaterThan(0);
      const answer = await queries.countryCoalitions(country, when, known);
      expect(answer.items.map((item) => item.coalitionId)).toEqual(expected);
    }
  });

  it('a membership partition has the GiST and the pair index, no (country) index to write; the migration goes down and up', async () => {
    const indexes = async () =>
      (await pool.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'read_model' AND tablename = 'membership_v1' ORDER BY 1`)).rows.map((r) => r.name);
    expect(await indexes()).toEqual(['membership_v1_at', 'membership_v1_pair']);
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      const migration = new MembershipCountryBySkipScan1764300023000();
      const runner = { query: async (sql: string, params?: unknown[]) => (await owner.query(sql, params)).rows } as unknown as QueryRunner;
      await migration.down(runner);
      expect(await indexes()).toEqual(['membership_v1_at', 'membership_v1_country', 'membership_v1_pair']);
      await migration.up(runner);
      expect(await indexes()).toEqual(['membership_v1_at', 'membership_v1_pair']);
    } finally {
      await owner.end();
    }
  });

  it('the index of the active version is keyed on the hash, as the migration leaves it', async () => {
    const { rows } = await pool.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'read_model' AND indexname = 'membership_v1_at'`);
    expect(rows[0]?.def).toMatch(/USING gist \(hashtextextended\(coalition_id, \(0\)::bigint\), valid, known\)/);
  });
});
