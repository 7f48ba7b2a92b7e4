import { Pool } from 'pg';
import { PostgresEventStore } from '@annals/event-store';
import { CoalitionQueries } from '@annals/queries';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The membership GiST index is keyed on a hash of the coalition id (migration 1764300007000):
 * a question that names only the id cannot use it, and reads the coalition's rows by another
 * index or the whole partition instead, at a cost that grows with the log. Every question
 * keyed on a coalition must reach its rows through that index. Plans read with auto_explain,
 * as PostgreSQL runs the api's own statements, over enough rows (24,000: 200 coalitions, 40
 * countries, 3 rows each) that an index lookup is the plan a correct question gets.
 */
describe('queries: the membership index serves every coalition question', () => {
  let db: TestDatabase;
  let pool: Pool;
  let queries: CoalitionQueries;
  const plans: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.adminUrl, max: 1 }); // superuser: LOAD 'auto_explain'
    await pool.query(`
      INSERT INTO read_model.coalitions (version, coalition_id, first_position)
      SELECT 1, 'coalition-' || lpad(c::text, 3, '0'), c FROM generate_series(0, 199) c`);
    // per pair three rows in valid time, each known from its own knowledge time on
    await pool.query(`
      INSERT INTO read_model.membership (version, coalition_id, country, valid, known, since, roles)
      SELECT 1, 'coalition-' || lpad(c::text, 3, '0'), 'C' || k,
             tstzrange(timestamptz '2010-01-01' + (r * 400 + k) * interval '1 day', timestamptz '2010-01-01' + (r * 400 + k + 300) * interval '1 day'),
             tstzrange(timestamptz '2011-01-01' + (r * 100 + c) * interval '1 day', NULL),
             timestamptz '2010-01-01' + (r * 400 + k) * interval '1 day', '[]'::jsonb
        FROM generate_series(0, 199) c, generate_series(0, 39) k, generate_series(0, 2) r`);
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

  it('the index of the active version is keyed on the hash, as the migration leaves it', async () => {
    const { rows } = await pool.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'read_model' AND indexname = 'membership_v1_at'`);
    expect(rows[0]?.def).toMatch(/USING gist \(hashtextextended\(coalition_id, \(0\)::bigint\), valid, known\)/);
  });
});
