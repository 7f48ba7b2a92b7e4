import { foldOrder, isVisible, roleKey, type HeldRole, type MemberState, type MembershipFact } from './membership-fact';

/** String.prototype.localeCompare's order, without building a collator at every call. */
const collate = new Intl.Collator().compare;

/**
 * The fold of docs/semantics.md, rule 2: member-joined makes the country a member and adds
 * its roles; member-left ends the membership and all roles; role-started makes it a member
 * if it was not and adds the role; role-ended removes the role. A fact repeated by another
 * report changes no `since`.
 */
export class MembershipFold {
  private member = false;
  private since = 0;
  private readonly roles = new Map<string, HeldRole>();

  apply(fact: MembershipFact): void {
    switch (fact.type) {
      case 'coalition.member-joined':
        this.join(fact.occurredAt);
        for (const role of fact.roles) this.addRole(role, fact.occurredAt);
        break;
      case 'coalition.member-left':
        this.member = false;
        this.roles.clear();
        break;
      case 'coalition.role-started':
        this.join(fact.occurredAt);
        for (const role of fact.roles) this.addRole(role, fact.occurredAt);
        break;
      case 'coalition.role-ended':
        for (const role of fact.roles) this.roles.delete(roleKey(role));
        break;
    }
  }

  state(): MemberState | undefined {
    if (!this.member) return undefined;
    const roles = [...this.roles.values()].sort((a, b) => collate(a.kind, b.kind) || collate(a.theater ?? '', b.theater ?? ''));
    return { since: this.since, roles };
  }

  private join(at: number): void {
    if (!this.member) {
      this.member = true;
      this.since = at;
    }
  }

  private addRole(role: { kind: HeldRole['kind']; theater?: string | undefined }, at: number): void {
    const key = roleKey(role);
    if (!this.roles.has(key)) this.roles.set(key, { kind: role.kind, theater: role.theater ?? null, since: at });
  }
}

/** A country's state at valid time `at` as known at `knownAt`: the definition itself, by replay. */
export function memberStateAt(facts: ReadonlyArray<MembershipFact>, at: number, knownAt: number): MemberState | undefined {
  const fold = new MembershipFold();
  for (const fact of facts.filter((f) => f.occurredAt <= at && isVisible(f, knownAt)).sort(foldOrder)) fold.apply(fact);
  return fold.state();
}
