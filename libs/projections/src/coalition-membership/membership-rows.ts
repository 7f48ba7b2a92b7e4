import type { Pool, PoolClient } from 'pg';
import { arrayLiteral } from '@annals/database';
import { membershipHistory, type MembershipFact, type MembershipRow } from '@annals/domain';
import { epochMs, fromEpochMs } from './epoch-ms';
import type { StoredMembershipRow } from './membership-row-diff';
import type { Pair } from './pair';
import { roleSinceText } from './role-instants';

/** A member's role as a membership row's `roles` holds it (`since` as ISO text). */
export type StoredRole = { kind: MembershipRow['state']['roles'][number]['kind']; theater: string | null; since: string };

/** A written row's id, and the lower bounds of its valid and known ranges (epoch ms). */
export type InsertedRowId = [ctid: string, validFrom: number, knownFrom: number];

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

  /**
   * Writes the rows added so far; rows added while it runs wait for the next insert. With
   * `returnIds`, returns each row's id in the order they were added, with the lower bounds it
   * was written with (PostgreSQL returns an INSERT's rows as its SELECT gave them, which it
   * does not promise: the bounds let the caller check).
   */
  async insert(tx: PoolClient | Pool, version: number, options: { returnIds?: boolean } = {}): Promise<InsertedRowId[]> {
    if (this.size === 0) return [];
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
    const { rows } = await tx.query<InsertedRowId>({
      rowMode: 'array',
      text: `INSERT INTO read_model.membership (version, coalition_id, country, valid, known, since, roles)
       SELECT $1, r.coalition_id, r.country, tstzrange(${fromEpochMs('r.valid_from')}, ${fromEpochMs('r.valid_to')}),
              tstzrange(${fromEpochMs('r.known_from')}, ${fromEpochMs('r.known_to')}), ${fromEpochMs('r.since')}, r.roles
         FROM ROWS FROM (unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::bigint[]), unnest($6::bigint[]),
                         unnest($7::bigint[]), unnest($8::bigint[]), jsonb_array_elements($9::jsonb))
              AS r(coalition_id, country, valid_from, valid_to, known_from, known_to, since, roles)
       ${options.returnIds ? `RETURNING ctid::text, ${epochMs('lower(valid)')}, ${epochMs('lower(known)')}` : ''}`,
      values: params,
    });
    return rows;
  }
}

/**
 * Deletes stored rows of pairs by their row ids, each only if it still is the row of that pair
 * with those lower bounds (a pair's rows tile its plane, so those bounds name one row). An id
 * can outlive its row only if something rewrote the table under the projector (VACUUM FULL,
 * CLUSTER) between the batch that learnt it (PairCache) and this one: a row found elsewhere is
 * not deleted, and the statement fails, so that the batch is retried reading the table.
 */
export async function deleteMembershipRows(tx: PoolClient | Pool, version: number, rows: ReadonlyArray<readonly [Pair, StoredMembershipRow]>): Promise<void> {
  if (rows.length === 0) return;
  // NaN: a row read with an empty range (none is written), whose bounds are null
  const bound = (value: number) => (Number.isNaN(value) ? null : value);
  const { rowCount } = await tx.query(
    `DELETE FROM read_model.membership m
      USING ROWS FROM (unnest($2::tid[]), unnest($3::text[]), unnest($4::text[]), unnest($5::bigint[]), unnest($6::bigint[]))
            AS d(id, coalition_id, country, valid_from, known_from)
      WHERE m.version = $1 AND m.ctid = d.id AND m.coalition_id = d.coalition_id AND m.country = d.country
        AND lower(m.valid) IS NOT DISTINCT FROM ${fromEpochMs('d.valid_from')} AND lower(m.known) IS NOT DISTINCT FROM ${fromEpochMs('d.known_from')}`,
    [
      version,
      arrayLiteral(rows.map(([, s]) => s.ctid)),
      arrayLiteral(rows.map(([pair]) => pair[0])),
      arrayLiteral(rows.map(([pair]) => pair[1])),
      arrayLiteral(rows.map(([, s]) => bound(s.row.validFrom))),
      arrayLiteral(rows.map(([, s]) => bound(s.row.knownFrom))),
    ],
  );
  if (rowCount !== rows.length) {
    throw new Error(
      `read_model.membership v${version}: ${rows.length - (rowCount ?? 0)} of the ${rows.length} rows to delete were not where the projector had them ` +
        '(was the table rewritten meanwhile, by VACUUM FULL or CLUSTER?); the batch is retried, reading the rows again',
    );
  }
}
