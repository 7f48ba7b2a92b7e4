import type { Pool } from 'pg';
import type { StoredEvent } from '@annals/event-store';
import { CoalitionMembershipProjection } from '@annals/projections';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The projection sends the instants of facts and membership rows to PostgreSQL as epoch
 * milliseconds, and PostgreSQL turns them into timestamptz; the facts' JSON goes as one document
 * that PostgreSQL splits by place. The contract's instants run from year 1000 to 9999 with
 * milliseconds: the rows must hold them to the microsecond, before 1970 as after it, whatever
 * time zone the projector's session has, and each fact must get its own report's documents.
 */
describe('projection: facts and membership rows keep their instants and documents exactly', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
  });
  afterAll(() => db.drop());

  const RECORDED = '2026-01-01T00:00:00.007Z';
  const report = (position: number, id: string, type: string, occurredAt: string, publishedAt: string, publisher: string, roles: unknown[] = []): StoredEvent => ({
    position,
    transactionId: String(1000 + position),
    streamId: 'coalition:coalition-edge',
    streamVersion: position,
    type,
    schemaVersion: 1,
    storedSchemaVersion: 1,
    data: { report: { id, occurredAt, source: { publisher, publishedAt } }, data: { coalitionId: 'coalition-edge', country: 'FR', roles } },
    metadata: {},
    occurredAt: new Date(occurredAt),
    recordedAt: new Date(RECORDED),
    idempotencyKey: id,
    hash: '',
  });

  it('to the microsecond, from before 1970 to year 9999, in a session that is not on UTC, each fact with its own documents', async () => {
    const joined = '1914-07-28T10:20:30.123Z';
    const joinedKnown = '1914-07-29T23:59:59.999Z';
    const left = '9999-12-30T23:59:59.999Z';
    const leftKnown = '9999-12-31T23:59:59.999Z';
    const client = await pool.connect();
    try {
      await client.query("SET TIME ZONE 'America/New_York'");
      await client.query('BEGIN');
      await new CoalitionMembershipProjection().apply(
        [
          report(1, 'edge-joined', 'coalition.member-joined', joined, joinedKnown, 'Le "Monde"', [{ kind: 'air-strikes', theater: 'IQ' }]),
          report(2, 'edge-left', 'coalition.member-left', left, leftKnown, 'TASS \\ Moscow'),
        ],
        client,
        1,
        'live',
      );
      await client.query('COMMIT');
    } finally {
      await client.query('RESET TIME ZONE');
      client.release();
    }

    const utc = (expression: string) => `to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    const { rows } = await pool.query<{ valid_from: string; valid_to: string | null; known_from: string; known_to: string | null; since: string }>(
      `SELECT ${utc('lower(valid)')} AS valid_from, ${utc('upper(valid)')} AS valid_to, ${utc('lower(known)')} AS known_from,
              ${utc('upper(known)')} AS known_to, ${utc('since')} AS since
         FROM read_model.membership WHERE version = 1 AND coalition_id = 'coalition-edge' AND country = 'FR'
        ORDER BY lower(known)`,
    );
    const us = (iso: string) => iso.replace(/\.(\d{3})Z$/, '.$1000Z');

    const facts = await pool.query(
      `SELECT report_id, ${utc('occurred_at')} AS occurred_at, ${utc('known_at')} AS known_at, ${utc('recorded_at')} AS recorded_at, roles, source, data
         FROM read_model.facts WHERE version = 1 AND coalition_id = 'coalition-edge' ORDER BY position`,
    );
    expect(facts.rows).toEqual([
      {
        report_id: 'edge-joined',
        occurred_at: us(joined),
        known_at: us(joinedKnown),
        recorded_at: us(RECORDED),
        roles: [{ kind: 'air-strikes', theater: 'IQ' }],
        source: { publisher: 'Le "Monde"', publishedAt: joinedKnown },
        data: { coalitionId: 'coalition-edge', country: 'FR', roles: [{ kind: 'air-strikes', theater: 'IQ' }] },
      },
      {
        report_id: 'edge-left',
        occurred_at: us(left),
        known_at: us(leftKnown),
        recorded_at: us(RECORDED),
        roles: [],
        source: { publisher: 'TASS \\ Moscow', publishedAt: leftKnown },
        data: { coalitionId: 'coalition-edge', country: 'FR', roles: [] },
      },
    ]);

    // Known from the join's report: a member since the join, for good. Known from the leave's: until the leave.
    expect(rows).toEqual([
      { valid_from: us(joined), valid_to: null, known_from: us(joinedKnown), known_to: us(leftKnown), since: us(joined) },
      { valid_from: us(joined), valid_to: us(left), known_from: us(leftKnown), known_to: null, since: us(joined) },
    ]);
    // the member's role, with its own start, on the rows where it is a member
    const roles = await pool.query(`SELECT roles FROM read_model.membership WHERE version = 1 AND coalition_id = 'coalition-edge' ORDER BY lower(known)`);
    expect(roles.rows.map((r) => r.roles)).toEqual([
      [{ kind: 'air-strikes', theater: 'IQ', since: joined }],
      [{ kind: 'air-strikes', theater: 'IQ', since: joined }],
    ]);
  });
});
