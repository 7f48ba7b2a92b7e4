import type { PoolClient } from 'pg';
import { membershipHistory, type MembershipFact } from '@annals/domain';
import type { StoredEvent } from '@annals/event-store';
import { MEMBERSHIP_TYPE_SET, toFactRow, type FactRow } from './fact-row';

export const COALITION_MEMBERSHIP = 'coalition-membership';

interface PairFactRow {
  coalition_id: string;
  country: string;
  report_id: string;
  type: MembershipFact['type'];
  position: number;
  roles: MembershipFact['roles'];
  occurred_at: Date;
  known_at: Date;
  retracted_at: Date | null;
}

/**
 * The coalition-membership projection: applies a batch of stored events to one version of
 * the read model, inside the subscription's transaction.
 *  1. every report becomes a row of read_model.facts;
 *  2. retractions mark their target (whichever arrived first);
 *  3. each (coalition, country) whose facts changed gets its bitemporal membership rows
 *     recomputed from all its facts -- late reports about 2014 change 2014, and only for
 *     knowledge times at or after their own.
 */
export class CoalitionMembershipProjection {
  async apply(events: ReadonlyArray<StoredEvent>, tx: PoolClient, version: number): Promise<void> {
    const facts = events.map(toFactRow).filter((f): f is FactRow => f !== undefined);
    if (facts.length === 0) return;
    await this.insertFacts(facts, tx, version);
    const affected = new Map<string, [string, string]>();
    const touch = (coalition: string | null, country: string | null) => {
      if (coalition && country) affected.set(`${coalition}\u0000${country}`, [coalition, country]);
    };
    for (const f of facts) if (MEMBERSHIP_TYPE_SET.has(f.type)) touch(f.coalitionId, f.country);
    for (const [coalition, country] of await this.applyRetractions(facts, tx, version)) touch(coalition, country);
    if (affected.size > 0) await this.recomputeMembership([...affected.values()], tx, version);
    await tx.query(
      `INSERT INTO read_model.coalitions (version, coalition_id, first_position)
       SELECT $1, c, min(p) FROM unnest($2::text[], $3::bigint[]) AS x(c, p) WHERE c IS NOT NULL GROUP BY c
       ON CONFLICT (version, coalition_id) DO NOTHING`,
      [version, facts.map((f) => f.coalitionId), facts.map((f) => f.position)],
    );
  }

  private async insertFacts(facts: FactRow[], tx: PoolClient, version: number): Promise<void> {
    await tx.query(
      `INSERT INTO read_model.facts
         (version, report_id, position, type, coalition_id, country, roles, retracts, occurred_at, known_at, recorded_at, source, data)
       SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[],
                                $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::jsonb[], $13::jsonb[])`,
      [
        version,
        facts.map((f) => f.reportId),
        facts.map((f) => f.position),
        facts.map((f) => f.type),
        facts.map((f) => f.coalitionId),
        facts.map((f) => f.country),
        facts.map((f) => JSON.stringify(f.roles)),
        facts.map((f) => f.retracts),
        facts.map((f) => f.occurredAt),
        facts.map((f) => f.knownAt),
        facts.map((f) => f.recordedAt),
        facts.map((f) => JSON.stringify(f.source)),
        facts.map((f) => JSON.stringify(f.data)),
      ],
    );
  }

  /**
   * Marks retracted facts, whichever came first: a retraction in this batch for an earlier
   * report, or a report in this batch that an earlier retraction named. The earliest
   * retraction (by knowledge time) wins. Retracting a retraction has no effect.
   * Returns the (coalition, country) pairs whose membership facts changed.
   */
  private async applyRetractions(facts: FactRow[], tx: PoolClient, version: number): Promise<Array<[string, string]>> {
    const newRetractions = facts.filter((f) => f.retracts !== null);
    const { rows } = await tx.query<{ coalition_id: string | null; country: string | null; type: string }>(
      `WITH targets AS (
         SELECT r.retracts AS report_id,
                (array_agg(r.known_at ORDER BY r.known_at, r.position))[1] AS retracted_at,
                (array_agg(r.report_id ORDER BY r.known_at, r.position))[1] AS retracted_by
           FROM read_model.facts r
          WHERE r.version = $1 AND r.retracts IS NOT NULL
            AND (r.retracts = ANY($2::text[]) OR r.report_id = ANY($3::text[]))
          GROUP BY r.retracts
       )
       UPDATE read_model.facts f
          SET retracted_at = t.retracted_at, retracted_by = t.retracted_by
         FROM targets t
        WHERE f.version = $1 AND f.report_id = t.report_id AND f.type <> 'report.retracted'
          AND f.retracted_at IS DISTINCT FROM t.retracted_at
       RETURNING f.coalition_id, f.country, f.type`,
      [version, facts.filter((f) => f.retracts === null).map((f) => f.reportId), newRetractions.map((f) => f.reportId)],
    );
    return rows.filter((r) => MEMBERSHIP_TYPE_SET.has(r.type) && r.coalition_id && r.country).map((r) => [r.coalition_id!, r.country!]);
  }

  private async recomputeMembership(pairs: Array<[string, string]>, tx: PoolClient, version: number): Promise<void> {
    const coalitions = pairs.map((p) => p[0]);
    const countries = pairs.map((p) => p[1]);
    const { rows } = await tx.query<PairFactRow>(
      `SELECT f.coalition_id, f.country, f.report_id, f.type, f.position, f.roles, f.occurred_at, f.known_at, f.retracted_at
         FROM unnest($2::text[], $3::text[]) AS p(coalition_id, country)
         JOIN read_model.facts f ON f.version = $1 AND f.coalition_id = p.coalition_id AND f.country = p.country
        WHERE f.type = ANY($4::text[])`,
      [version, coalitions, countries, [...MEMBERSHIP_TYPE_SET]],
    );
    const byPair = new Map<string, MembershipFact[]>();
    for (const r of rows) {
      const key = `${r.coalition_id}\u0000${r.country}`;
      const list = byPair.get(key) ?? [];
      list.push({
        reportId: r.report_id,
        type: r.type,
        occurredAt: r.occurred_at.getTime(),
        knownAt: r.known_at.getTime(),
        position: r.position,
        roles: r.roles,
        retractedAt: r.retracted_at ? r.retracted_at.getTime() : null,
      });
      byPair.set(key, list);
    }
    const out = { coalition: [] as string[], country: [] as string[], valid: [] as string[], known: [] as string[], since: [] as Date[], roles: [] as string[] };
    for (const [coalition, country] of pairs) {
      for (const row of membershipHistory(byPair.get(`${coalition}\u0000${country}`) ?? [])) {
        out.coalition.push(coalition);
        out.country.push(country);
        out.valid.push(range(row.validFrom, row.validTo));
        out.known.push(range(row.knownFrom, row.knownTo));
        out.since.push(new Date(row.state.since));
        out.roles.push(JSON.stringify(row.state.roles.map((r) => ({ kind: r.kind, theater: r.theater, since: new Date(r.since).toISOString() }))));
      }
    }
    await tx.query(
      `DELETE FROM read_model.membership m USING unnest($2::text[], $3::text[]) AS p(coalition_id, country)
        WHERE m.version = $1 AND m.coalition_id = p.coalition_id AND m.country = p.country`,
      [version, coalitions, countries],
    );
    if (out.coalition.length === 0) return;
    await tx.query(
      `INSERT INTO read_model.membership (version, coalition_id, country, valid, known, since, roles)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::tstzrange[], $5::tstzrange[], $6::timestamptz[], $7::jsonb[])`,
      [version, out.coalition, out.country, out.valid, out.known, out.since, out.roles],
    );
  }
}

/** [from, to) with an open end for null. */
function range(from: number, to: number | null): string {
  return `[${new Date(from).toISOString()},${to === null ? '' : new Date(to).toISOString()})`;
}
