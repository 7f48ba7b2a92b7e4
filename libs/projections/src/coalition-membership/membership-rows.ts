import type { Pool, PoolClient } from 'pg';
import { arrayLiteral } from '@annals/database';
import { membershipHistory, type MembershipFact, type MembershipRow } from '@annals/domain';
import { fromEpochMs } from './epoch-ms';
import type { Pair } from './pair';
import { roleSinceText } from './role-instants';

/** A member's role as a membership row's `roles` holds it (`since` as ISO text). */
export type StoredRole = { kind: MembershipRow['state']['roles'][number]['kind']; theater: string | null; since: string };

/** Membership rows waiting to be written, as the arrays one INSERT ... unnest takes. */
export class MembershipRows {
  private coalition: string[] = [];
  private country: string[] = [];
  private validFrom: number[] = [];
  private validTo: Array<number | null> = [];
  private knownFrom: number[] = [];
  private knownTo: Array<number | null> = [];
  private since: number[] = [];
  private roles: StoredRole[][] = [];

  get size(): number {
    return this.coalition.length;
  }

  add(pair: Pair, facts: MembershipFact[]): void {
    this.addRows(pair, membershipHistory(facts));
  }

  addRows([coalition, country]: Pair, rows: ReadonlyArray<MembershipRow>): void {
    for (const row of rows) {
      this.coalition.push(coalition);
      this.country.push(country);
      this.validFrom.push(row.validFrom);
      this.validTo.push(row.validTo);
      this.knownFrom.push(row.knownFrom);
      this.knownTo.push(row.knownTo);
      this.since.push(row.state.since);
      this.roles.push(row.state.roles.map((r) => ({ kind: r.kind, theater: r.theater, since: roleSinceText(r.since) })));
    }
  }

  /** Writes the rows added so far; rows added while it runs wait for the next insert. */
  async insert(tx: PoolClient | Pool, version: number): Promise<void> {
    if (this.size === 0) return;
    // the roles as one JSON document, as insertFacts sends the facts' JSON
    const params = [
      version,
      ...[this.coalition, this.country, this.validFrom, this.validTo, this.knownFrom, this.knownTo, this.since].map(arrayLiteral),
      JSON.stringify(this.roles),
    ];
    this.coalition = [];
    this.country = [];
    this.validFrom = [];
    this.validTo = [];
    this.knownFrom = [];
    this.knownTo = [];
    this.since = [];
    this.roles = [];
    // [from, to) with an open end for null (tstzrange's default bounds)
    await tx.query(
      `INSERT INTO read_model.membership (version, coalition_id, country, valid, known, since, roles)
       SELECT $1, r.coalition_id, r.country, tstzrange(${fromEpochMs('r.valid_from')}, ${fromEpochMs('r.valid_to')}),
              tstzrange(${fromEpochMs('r.known_from')}, ${fromEpochMs('r.known_to')}), ${fromEpochMs('r.since')}, r.roles
         FROM ROWS FROM (unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::bigint[]), unnest($6::bigint[]),
                         unnest($7::bigint[]), unnest($8::bigint[]), jsonb_array_elements($9::jsonb))
              AS r(coalition_id, country, valid_from, valid_to, known_from, known_to, since, roles)`,
      params,
    );
  }
}
