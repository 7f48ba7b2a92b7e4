import { Client, Pool, type PoolConfig } from 'pg';
import type { QueryRunner } from 'typeorm';
import { CoalitionMembershipProjection, type Pair } from '@annals/projections';
import { PostgresEventStore } from '@annals/event-store';
import { FactsPairCovering1764300020000 } from '@annals/projections/schema/1764300020000-facts-pair-covering';
import { FactsPairCarriesSource1764300028000 } from '@annals/projections/schema/1764300028000-facts-pair-carries-source';
import { CoalitionQueries } from '@annals/queries';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * Recomputing a pair reads all of its facts, at every batch that touches it: on a long log,
 * twenty facts or more, which the table holds in arrival order, a page apart. The facts' pair
 * index carries every column that read takes (migration 1764300020000), so the read is an
 * index-only scan, the pair's facts side by side. A column added to the read and not to the
 * index turns it back into a page per fact: this fails then. The point-in-time state reads each
 * member's sources the same way, `source` included (migration 1764300028000): at 1,000,000 events
 * some 700 facts a state. Plans read with auto_explain, as PostgreSQL runs the projector's and
 * the api's own statements, over 40,000 facts of 8,000 pairs, vacuumed.
 */
describe('projections: a pair\'s facts are read from the pair index alone', () => {
  let db: TestDatabase;
  let pool: Pool;
  const plans: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    // superuser: LOAD 'auto_explain'; pipelined, as the projector's pool is (createPgPool)
    pool = new Pool({ connectionString: db.adminUrl, max: 1, pipeline: true } as PoolConfig);
    // five facts per pair, stored in arrival order: one round over all pairs after another
    await pool.query(`
      INSERT INTO read_model.facts (version, report_id, position, type, coalition_id, country, roles, occurred_at, known_at, recorded_at, source, data)
      SELECT 1, format('r-%s-%s-%s', c, k, n), n * 8000 + c * 40 + k, 'coalition.member-joined', 'coalition-' || c, 'C' || k,
             '[{"kind":"airstrikes","theater":"IQ"}]'::jsonb,
             timestamptz '2014-01-01' + n * interval '30 days', timestamptz '2015-01-01' + n * interval '30 days', now(),
             '{"publisher":"Desk"}'::jsonb, jsonb_build_object('coalitionId', 'coalition-' || c, 'country', 'C' || k)
        FROM generate_series(0, 4) n, generate_series(0, 199) c, generate_series(0, 39) k
       ORDER BY n, c, k`);
    await pool.query('VACUUM (ANALYZE) read_model.facts_v1');
    const client = await pool.connect();
    client.on('notice', (notice) => plans.push(notice.message ?? ''));
    await client.query(`LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_level = 'notice'; SET client_min_messages = 'notice'`);
    client.release();
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('recomputing 300 pairs reads their facts by an index-only scan, and computes their rows', async () => {
    const pairs: Pair[] = Array.from({ length: 300 }, (_, i) => [`coalition-${(i * 7) % 200}`, `C${i % 40}`] as const);
    const client = await pool.connect();
    try {
      plans.length = 0;
      await client.query('BEGIN');
      await new CoalitionMembershipProjection().recompute(pairs, client, 1);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const factReads = plans.filter((plan) => plan.includes('facts_v1') && plan.includes('unnest'));
    expect(factReads.length).toBeGreaterThan(0);
    for (const plan of factReads) {
      expect(plan).toMatch(/Index Only Scan using facts_v1_pair on facts_v1/);
      expect(plan).not.toMatch(/Heap Fetches: [1-9]/);
    }
    // the reads fed the computation: every pair has its membership rows now
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(DISTINCT (coalition_id, country))::int AS n FROM read_model.membership WHERE version = 1`,
    );
    expect(rows[0]!.n).toBe(new Set(pairs.map((p) => p.join('/'))).size);
  });

  it('the state lists each member with its sources, read from the pair index alone', async () => {
    // coalition-5's 40 pairs computed into membership rows; each was joined five times, 30 days apart
    const pairs: Pair[] = Array.from({ length: 40 }, (_, k) => ['coalition-5', `C${k}`] as const);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await new CoalitionMembershipProjection().recompute(pairs, client, 1);
      await client.query(`INSERT INTO read_model.coalitions (version, coalition_id, first_position) VALUES (1, 'coalition-5', 0) ON CONFLICT DO NOTHING`);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const queries = new CoalitionQueries(pool, new PostgresEventStore(pool));
    plans.length = 0;
    // on 2014-03-15 as known at the end of 2015: the first three reports of each pair (January to March)
    const state = await queries.state('coalition-5', new Date('2014-03-15T00:00:00Z'), new Date('2015-12-31T00:00:00Z'));
    expect(state.members.map((m) => m.country).sort()).toEqual(pairs.map(([, country]) => country).sort());
    for (const member of state.members) {
      expect(member.since).toBe('2014-01-01T00:00:00.000Z');
      expect(member.sources.map((s) => s.reportId)).toEqual([0, 1, 2].map((n) => `r-5-${member.country.slice(1)}-${n}`));
      expect(member.sources.every((s) => s.publisher === 'Desk')).toBe(true);
    }
    const statePlans = plans.filter((plan) => plan.includes('membership_v1') && plan.includes('facts_v1'));
    expect(statePlans).toHaveLength(1);
    expect(statePlans[0]).toMatch(/Index Only Scan using facts_v1_pair on facts_v1/);
    expect(statePlans[0]).not.toMatch(/Heap Fetches: [1-9]/);
  });

  it('the migrations give each indexed version its pair index with the columns, and take them back down', async () => {
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    const definition = async () =>
      (await pool.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'read_model' AND indexname = 'facts_v1_pair'`)).rows[0]?.def;
    try {
      const runner = { query: async (sql: string, params?: unknown[]) => (await owner.query(sql, params)).rows } as unknown as QueryRunner;
      const current = await definition();
      expect(current).toMatch(/\(coalition_id, country, occurred_at\) INCLUDE \(version, type, report_id, "position", roles, known_at, retracted_at, source\) WHERE \(country IS NOT NULL\)$/);
      const carriesSource = new FactsPairCarriesSource1764300028000();
      await carriesSource.down(runner);
      expect(await definition()).toMatch(/\(coalition_id, country, occurred_at\) INCLUDE \(version, type, report_id, "position", roles, known_at, retracted_at\) WHERE \(country IS NOT NULL\)$/);
      const covering = new FactsPairCovering1764300020000();
      await covering.down(runner);
      expect(await definition()).toMatch(/\(coalition_id, country, occurred_at\) WHERE \(country IS NOT NULL\)$/);
      await covering.up(runner);
      await carriesSource.up(runner);
      expect(await definition()).toBe(current);
    } finally {
      await owner.end();
    }
  });
});
