import { isoInstant } from '../iso-instant';
import { FragmentWriter } from './fragments';
import { type FormedEntry, StateCopy } from './state-copy';

/** A fact's source reference as the API lists it (httpApi.sourceRef), before rendering. */
export interface SourceFields {
  reportId: string;
  publisher: string;
  url: string | null;
  publishedAt: string | null;
}

/** A role a member holds, as the read model keeps it (read_model.membership.roles). */
export interface StoredRole {
  kind: string;
  theater?: string | null;
  since: string;
}

const OPEN_LOW = Number.NEGATIVE_INFINITY;
const OPEN_HIGH = Number.POSITIVE_INFINITY;

/**
 * Builds a StateCopy from a read-model version's rows, given in this order: the membership
 * facts sorted by pair and then in source order, the membership rows sorted by coalition and
 * then country, the coalition.formed facts in fold order, and the coalitions. The counts of facts
 * and rows are given first, so that each array is allocated once at its size.
 */
export class StateCopyBuilder {
  private readonly fragments: FragmentWriter;
  private readonly factOccurred: Float64Array;
  private readonly factKnown: Float64Array;
  private readonly factRetracted: Float64Array;
  private readonly factStart: Int32Array;
  private readonly factEnd: Int32Array;
  private readonly validFrom: Float64Array;
  private readonly validTo: Float64Array;
  private readonly knownFrom: Float64Array;
  private readonly knownTo: Float64Array;
  private readonly since: Float64Array;
  private readonly pairStart: Int32Array;
  private readonly pairEnd: Int32Array;
  private readonly rowStart: Int32Array;
  private readonly rowEnd: Int32Array;
  /** Each pair's facts [first, end), until the rows are in. */
  private pairs: Map<string, [number, number]> | undefined = new Map();
  private readonly coalitionRows = new Map<string, [number, number]>();
  private readonly formed = new Map<string, FormedEntry[]>();
  /** The member openings rendered for the pair whose rows are coming in, to be shared by its rows. */
  private readonly openings = new Map<string, [number, number]>();
  private openingsOf: string | undefined;
  private facts = 0;
  private rows = 0;

  constructor(
    private readonly factCount: number,
    private readonly rowCount: number,
  ) {
    this.fragments = new FragmentWriter();
    this.factOccurred = new Float64Array(factCount);
    this.factKnown = new Float64Array(factCount);
    this.factRetracted = new Float64Array(factCount);
    this.factStart = new Int32Array(factCount);
    this.factEnd = new Int32Array(factCount);
    this.validFrom = new Float64Array(rowCount);
    this.validTo = new Float64Array(rowCount);
    this.knownFrom = new Float64Array(rowCount);
    this.knownTo = new Float64Array(rowCount);
    this.since = new Float64Array(rowCount);
    this.pairStart = new Int32Array(rowCount);
    this.pairEnd = new Int32Array(rowCount);
    this.rowStart = new Int32Array(rowCount);
    this.rowEnd = new Int32Array(rowCount);
  }

  /** A membership fact (a report that a country joined, left, or took or ended a role), in pair and source order. */
  addFact(coalition: string, country: string, occurredAt: number, knownAt: number, retractedAt: number | null, source: SourceFields): void {
    if (!this.pairs || this.rows > 0) throw new Error('StateCopyBuilder: facts come before membership rows');
    if (this.facts === this.factCount) throw new Error(`StateCopyBuilder: more facts than the ${this.factCount} announced`);
    const i = this.facts++;
    const key = pairKey(coalition, country);
    const range = this.pairs.get(key);
    if (range && range[1] === i) range[1] = i + 1;
    else if (range) throw new Error(`StateCopyBuilder: the facts of ${key} are not together (sort them by pair)`);
    else this.pairs.set(key, [i, i + 1]);
    this.factOccurred[i] = occurredAt;
    this.factKnown[i] = knownAt;
    this.factRetracted[i] = retractedAt ?? OPEN_HIGH;
    const ref = { reportId: source.reportId, publisher: source.publisher, url: source.url, publishedAt: source.publishedAt === null ? null : isoInstant(source.publishedAt) };
    [this.factStart[i], this.factEnd[i]] = this.fragments.write(JSON.stringify(ref));
  }

  /** A membership row, by coalition then country. Bounds are epoch milliseconds, null when open. */
  addMembershipRow(coalition: string, country: string, valid: [number | null, number | null], known: [number | null, number | null], since: number, roles: StoredRole[]): void {
    if (this.rows === this.rowCount) throw new Error(`StateCopyBuilder: more membership rows than the ${this.rowCount} announced`);
    const pairs = this.pairs;
    if (!pairs) throw new Error('StateCopyBuilder: membership rows come before formations and coalitions');
    const i = this.rows++;
    const range = this.coalitionRows.get(coalition);
    if (range && range[1] === i) range[1] = i + 1;
    else if (range) throw new Error(`StateCopyBuilder: the membership rows of ${JSON.stringify(coalition)} are not together (sort them by coalition)`);
    else this.coalitionRows.set(coalition, [i, i + 1]);
    this.validFrom[i] = valid[0] ?? OPEN_LOW;
    this.validTo[i] = valid[1] ?? OPEN_HIGH;
    this.knownFrom[i] = known[0] ?? OPEN_LOW;
    this.knownTo[i] = known[1] ?? OPEN_HIGH;
    this.since[i] = since;
    const key = pairKey(coalition, country);
    const facts = pairs.get(key) ?? [0, 0];
    this.pairStart[i] = facts[0];
    this.pairEnd[i] = facts[1];
    // the member as CoalitionQueries' toMember shapes it, up to its sources
    const member = { country, since: new Date(since).toISOString(), roles: roles.map((role) => ({ kind: role.kind, theater: role.theater, since: isoInstant(role.since) })) };
    const json = JSON.stringify(member);
    // A pair's rows repeat their member: a report known later closes the rows it changes and
    // opens new ones, mostly with the same start and roles (4 rows in 10 at 200,000 events).
    if (this.openingsOf !== key) {
      this.openingsOf = key;
      this.openings.clear();
    }
    let opening = this.openings.get(json);
    if (!opening) {
      opening = this.fragments.write(`${json.slice(0, -1)},"sources":[`);
      this.openings.set(json, opening);
    }
    [this.rowStart[i], this.rowEnd[i]] = opening;
  }

  /** A coalition.formed fact, in fold order (valid time, knowledge time, store position). */
  addFormed(coalition: string, occurredAt: number, knownAt: number, retractedAt: number | null, name: string | null): void {
    this.endRows();
    const entry = { knownAt, retractedAt: retractedAt ?? OPEN_HIGH, json: `"name":${JSON.stringify(name)},"formedAt":"${new Date(occurredAt).toISOString()}"` };
    const list = this.formed.get(coalition);
    if (list) list.push(entry);
    else this.formed.set(coalition, [entry]);
  }

  /** A coalition some report named (read_model.coalitions), whether or not it has members. */
  addCoalition(id: string): void {
    this.endRows();
    if (!this.coalitionRows.has(id)) this.coalitionRows.set(id, [0, 0]);
  }

  build(): StateCopy {
    this.endRows();
    if (this.facts !== this.factCount || this.rows !== this.rowCount) {
      throw new Error(`StateCopyBuilder: ${this.facts} facts and ${this.rows} membership rows given, ${this.factCount} and ${this.rowCount} announced`);
    }
    return new StateCopy({
      fragments: this.fragments.done(),
      factOccurred: this.factOccurred,
      factKnown: this.factKnown,
      factRetracted: this.factRetracted,
      factStart: this.factStart,
      factEnd: this.factEnd,
      validFrom: this.validFrom,
      validTo: this.validTo,
      knownFrom: this.knownFrom,
      knownTo: this.knownTo,
      since: this.since,
      pairStart: this.pairStart,
      pairEnd: this.pairEnd,
      rowStart: this.rowStart,
      rowEnd: this.rowEnd,
      coalitionRows: this.coalitionRows,
      formed: this.formed,
    });
  }

  /** The pairs' ranges are needed only while rows come in: tens of thousands of strings, let go. */
  private endRows(): void {
    this.pairs = undefined;
    this.openings.clear();
  }
}

const pairKey = (coalition: string, country: string) => `${JSON.stringify(coalition)} ${country}`;
