import { memberStateKey, type MembershipRow } from '@annals/domain';

/** A membership row as stored in a version's partition, with its row id there. */
export interface StoredMembershipRow {
  ctid: string;
  row: MembershipRow;
}

/** A row's whole value as one string: rows with equal keys are the same row. */
export function membershipRowKey(row: MembershipRow): string {
  return `${row.validFrom}|${row.validTo ?? ''}|${row.knownFrom}|${row.knownTo ?? ''}|${memberStateKey(row.state)}`;
}

/**
 * What turns a pair's stored rows into the rows it should have: the stored rows no longer wanted
 * (their row ids, to delete) and the wanted rows not stored yet (to insert). Rows in both are left
 * alone: a report known later than the others changes only the rows from its knowledge time on,
 * and every row rewritten is another GiST insert and a dead tuple for vacuum.
 */
export function diffMembershipRows(stored: ReadonlyArray<StoredMembershipRow>, wanted: ReadonlyArray<MembershipRow>): { remove: string[]; add: MembershipRow[] } {
  const unmatched = new Map<string, string[]>();
  for (const s of stored) {
    const key = membershipRowKey(s.row);
    const ids = unmatched.get(key);
    if (ids) ids.push(s.ctid);
    else unmatched.set(key, [s.ctid]);
  }
  const add: MembershipRow[] = [];
  for (const row of wanted) {
    const ids = unmatched.get(membershipRowKey(row));
    if (ids && ids.length > 0) ids.pop();
    else add.push(row);
  }
  return { remove: [...unmatched.values()].flat(), add };
}
