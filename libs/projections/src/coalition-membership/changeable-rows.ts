import type { MembershipRow } from '@annals/domain';

/**
 * The rows of a pair's history that facts known from `knownFrom` on can change: those still
 * known at `knownFrom` (open, or closed then or later). A row closed earlier describes knowledge
 * times before any new fact is visible; it was cut by facts already stored, so it is the same
 * row, stored, whatever the new facts. (Its end at exactly `knownFrom` is not safe: a new fact
 * known then may undo the change that closed it.) A retraction breaks this, since it changes
 * visibility at its own knowledge time, not the target's: pairs it changed are read whole.
 * Without `knownFrom`, every row.
 */
export function changeableFrom(rows: MembershipRow[], knownFrom: number | undefined): MembershipRow[] {
  return knownFrom === undefined ? rows : rows.filter((r) => isChangeableFrom(r, knownFrom));
}

/** Whether facts known from `knownFrom` on can change a row (changeableFrom). */
export function isChangeableFrom(row: MembershipRow, knownFrom: number): boolean {
  return row.knownTo === null || row.knownTo >= knownFrom;
}
