import type { MembershipType, Role } from '@annals/contracts';

/**
 * One report's statement about a country in a coalition, with its two times:
 * `occurredAt` (valid time) and `knownAt` (knowledge time: source.publishedAt, or when
 * Annals recorded it). Times are epoch milliseconds.
 */
export interface MembershipFact {
  reportId: string;
  type: MembershipType;
  occurredAt: number;
  knownAt: number;
  /** Store position: the last tie-breaker of the fold order. */
  position: number;
  /** member-joined: the roles it brings. role-started/-ended: the one role. */
  roles: ReadonlyArray<Role>;
  /** Knowledge time from which a retraction withdraws this fact; null when never retracted. */
  retractedAt: number | null;
}

export interface HeldRole {
  kind: Role['kind'];
  theater: string | null;
  /** occurredAt of the fact that added it. */
  since: number;
}

/** A country's state in a coalition at one valid time, as known at one knowledge time. */
export interface MemberState {
  since: number;
  roles: HeldRole[];
}

export const roleKey = (role: { kind: string; theater?: string | null }) => `${role.kind}@${role.theater ?? ''}`;

/** The fold order: valid time, then knowledge time, then store position. */
export function foldOrder(a: MembershipFact, b: MembershipFact): number {
  return a.occurredAt - b.occurredAt || a.knownAt - b.knownAt || a.position - b.position;
}

export function isVisible(fact: MembershipFact, knownAt: number): boolean {
  return fact.knownAt <= knownAt && (fact.retractedAt === null || fact.retractedAt > knownAt);
}
