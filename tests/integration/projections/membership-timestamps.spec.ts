import type { Pool } from 'pg';
import type { StoredEvent } from '@annals/event-store';
import { CoalitionMembershipProjection } from '@annals/projections';
import { createTestDatabase, type TestDatabase } from '@annals/testing';

/**
 * The projection sends a membership row's instants to PostgreSQL as epoch milliseconds, and
 * PostgreSQL turns them into timestamptz. The contract's instants run from year 1000 to 9999
 * with milliseconds: the rows must hold them to the microsecond, before 1970 as after it, and
 * whatever time zone the projector's session has.
 */
describe('projection: membership rows keep their instants exactly', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.appPool();
  });
  afterAll(() => db.drop());

  const report = (position: number, id: string, type: string, occurredAt: string, publishedAt: string): StoredEvent => ({
    position,
    transactionId: String(1000 + position),
    streamId: 'coalition:coalition-edge',
    streamVersion: position,
    type,
    schemaVersion: 1,
    storedSchemaVersion: 1,
    data: { report: { id, occurredAt, source: { publisher: 'Desk', publishedAt } }, data: { coalitionId: 'coalition-edge', country: 'FR', roles: [] } },
    metadata: {},
    occurredAt: new Date(occurredAt),
    recordedAt: new Date('2026-01-01T00:00:00Z'),
    idempotencyKey: id,
    hash: '',
  });

  it('to the microsecond, from before 1970 to year 9999, in a session that is not on UTC', async () => {
    const joined = '1914-07-28T10:20:30.123Z';
    const joinedKnown = '1914-07-29T23:59:59.999Z';
    const left = '9999-12-30T23:59:59.999Z';
    const leftKnown = '9999-12-31T23:59:59.999Z';
    const client = await pool.connect();
    try {
      await client.query("SET TIME ZONE 'America/New_York'");
      await client.query('BEGIN');
      await new CoalitionMembershipProjection().apply(
        [report(1, 'edge-joined', 'coalition.member-joined', joined, joinedKnown), report(2, 'edge-left', 'coalition.member-left', left, leftKnown)],
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
    // Known from the join's report: a member since the join, for good. Known from the leave's: until the leave.
    expect(rows).toEqual([
      { valid_from: us(joined), valid_to: null, known_from: us(joinedKnown), known_to: us(leftKnown), since: us(joined) },
      { valid_from: us(joined), valid_to: us(left), known_from: us(leftKnown), known_to: null, since: us(joined) },
    ]);
  });
});
