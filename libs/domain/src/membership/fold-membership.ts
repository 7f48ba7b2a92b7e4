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

  /**
   * A fold that goes on from `state`, a state this fold's state() returned: a country that is
   * not a member holds no roles, so the state is all there is to the fold.
   */
  static from(state: MemberState | undefined): MembershipFold {
    const fold = new MembershipFold();
    if (state) {
      fold.member = true;
      fold.since = state.since;
      for (const role of state.roles) fold.roles.set(roleKey(role), role);
    }
    return fold;
  }

  /** Applies one fact; returns whether the state changed (a repeated fact changes nothing). */
  apply(fact: MembershipFact): boolean {
    switch (fact.type) {
      // a joining brings its roles, a started role its one: both make the country a member
      case 'coalition.member-joined':
      case 'coalition.role-started': {
        let changed = this.join(fact.occurredAt);
        for (const role of fact.roles) changed = this.addRole(role, fact.occurredAt) || changed;
        return changed;
      }
      case 'coalition.member-left': {
        const changed = this.member || this.roles.size > 0;
        this.member = false;
        this.roles.clear();
        return changed;
      }
      case 'coalition.role-ended': {
        let changed = false;
        for (const role of fact.roles) changed = this.roles.delete(roleKey(role)) || changed;
        return changed;
      }
    }
  }

  state(): MemberState | undefined {
    if (!this.member) return undefined;
    const roles = [...this.roles.values()].sort((a, b) => collate(a.kind, b.kind) || collate(a.theater ?? '', b.theater ?? ''));
    return { since: this.since, roles };
  }

  private join(at: number): boolean {
    if (this.member) return false;
    this.member = true;
    this.since = at;
    return true;
  }

  private addRole(role: { kind: HeldRole['kind']; theater?: string | null | undefined }, at: number): boolean {
    const key = roleKey(role);
    if (this.roles.has(key)) return false;
    this.roles.set(key, { kind: role.kind, theater: role.theater ?? null, since: at });
    return true;
  }
}

/** A country's state at valid time `at` as known at `knownAt`: the definition itself, by replay. */
export function memberStateAt(facts: ReadonlyArray<MembershipFact>, at: number, knownAt: number): MemberState | undefined {
  const fold = new MembershipFold();
  for (const fact of facts.filter((f) => f.occurredAt <= at && isVisible(f, knownAt)).sort(foldOrder)) fold.apply(fact);
  return fold.state();
}
