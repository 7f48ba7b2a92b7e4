import { NotFoundError } from '../not-found.error';
import type { Fragments } from './fragments';

/**
 * The coalition state question (GET /coalitions/{id}), answered from a copy of one read-model
 * version held in memory, as the JSON bytes the api sends. It gives the answer the statement of
 * CoalitionQueries.state gives on the same rows, by the same rules (docs/semantics.md):
 *
 * - a member is a membership row whose valid range holds `at` and whose known range holds
 *   `knownAt` (ranges [from, to), an absent bound open), listed by country;
 * - its sources are the pair's membership facts that occurred from the row's `since` to `at`,
 *   known by `knownAt` and not retracted by then, in their order (valid time, knowledge time,
 *   report id), every one or the first `sources`, with their count;
 * - the name and formation come from the first coalition.formed fact in fold order visible at `knownAt`.
 *
 * Why compact: a copy of 1,000,000 events as JavaScript objects took 1.8 GB of heap, and the
 * garbage collector's pauses over it cost more than PostgreSQL (decision 0006). Here every
 * number is in a typed array and every string the answer holds is already rendered, once, into
 * buffers of JSON fragments (Fragments); an answer is copies of byte ranges. Built by StateCopyBuilder.
 */
export class StateCopy {
  constructor(private readonly parts: StateCopyParts) {}

  /** Membership facts held (what the copy's size grows with). */
  get facts(): number {
    return this.parts.factOccurred.length;
  }

  /** Bytes of its fragments and arrays (its coalition maps, a few hundred entries, left out). */
  get bytes(): number {
    return Object.values(this.parts).reduce((sum: number, part) => sum + (ArrayBuffer.isView(part) ? part.byteLength : 0), this.parts.fragments.bytes);
  }

  /** The state of coalition `id` at `at` as known at `knownAt`; NotFoundError for a coalition no report has named. */
  answer(id: string, at: Date, knownAt: Date, sources?: number): Buffer {
    const p = this.parts;
    const rows = p.coalitionRows.get(id);
    if (!rows) throw new NotFoundError(`no coalition ${JSON.stringify(id)}`);
    const t = at.getTime();
    const k = knownAt.getTime();
    const formed = p.formed.get(id)?.find((f) => f.knownAt <= k && f.retractedAt > k);
    const identity = formed ? formed.json : '"name":null,"formedAt":null';
    const head = Buffer.from(`{"id":${JSON.stringify(id)},${identity},"at":"${at.toISOString()}","knownAt":"${knownAt.toISOString()}","members":[`);
    const limit = sources ?? Number.POSITIVE_INFINITY;

    // First pass: which rows and facts, and how many bytes; the second copies them.
    const picked: number[] = [];
    const tails: Buffer[] = [];
    let length = head.length + 2;
    for (let i = rows[0]; i < rows[1]; i++) {
      if (!(p.validFrom[i]! <= t && t < p.validTo[i]! && p.knownFrom[i]! <= k && k < p.knownTo[i]!)) continue;
      const end = p.pairEnd[i]!;
      // the pair's facts are in valid-time order: the first that occurred since the row's `since`
      let lo = p.pairStart[i]!;
      let hi = end;
      const since = p.since[i]!;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (p.factOccurred[mid]! < since) lo = mid + 1;
        else hi = mid;
      }
      const countAt = picked.length + 1;
      picked.push(i, 0);
      let count = 0;
      for (let j = lo; j < end && p.factOccurred[j]! <= t; j++) {
        if (p.factKnown[j]! > k || p.factRetracted[j]! <= k) continue;
        if (count < limit) {
          picked.push(j);
          length += p.factEnd[j]! - p.factStart[j]! + 1;
        }
        count++;
      }
      picked[countAt] = Math.min(count, limit);
      const tail = Buffer.from(`],"sourceCount":${count}}`);
      tails.push(tail);
      length += p.rowEnd[i]! - p.rowStart[i]! + tail.length + 1;
    }

    const out = Buffer.allocUnsafe(length);
    let o = head.copy(out, 0);
    for (let q = 0, member = 0; q < picked.length; member++) {
      const i = picked[q++]!;
      const listed = picked[q++]!;
      if (member > 0) out[o++] = COMMA;
      o += p.fragments.copy(out, o, p.rowStart[i]!, p.rowEnd[i]!);
      for (let s = 0; s < listed; s++) {
        const j = picked[q++]!;
        if (s > 0) out[o++] = COMMA;
        o += p.fragments.copy(out, o, p.factStart[j]!, p.factEnd[j]!);
      }
      o += tails[member]!.copy(out, o);
    }
    out[o++] = CLOSE_ARRAY;
    out[o++] = CLOSE_OBJECT;
    return out.subarray(0, o);
  }
}

const COMMA = 0x2c;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** A coalition.formed fact, in fold order within its coalition. */
export interface FormedEntry {
  knownAt: number;
  /** +Infinity when never retracted. */
  retractedAt: number;
  /** `"name":...,"formedAt":...`, rendered. */
  json: string;
}

/**
 * The copy's arrays. Instants are epoch milliseconds (the read model's precision: the projector
 * writes them from epoch milliseconds); an open bound is ±Infinity. Facts are sorted by pair,
 * then in source order; a membership row points at its pair's facts [pairStart, pairEnd).
 */
export interface StateCopyParts {
  /** Every JSON fragment: a source reference per fact, a member's opening per membership row (shared by a pair's rows that open alike). */
  fragments: Fragments;
  factOccurred: Float64Array;
  factKnown: Float64Array;
  factRetracted: Float64Array;
  factStart: Int32Array;
  factEnd: Int32Array;
  validFrom: Float64Array;
  validTo: Float64Array;
  knownFrom: Float64Array;
  knownTo: Float64Array;
  since: Float64Array;
  pairStart: Int32Array;
  pairEnd: Int32Array;
  rowStart: Int32Array;
  rowEnd: Int32Array;
  /** Each coalition's membership rows [first, end), by country; [0, 0) for one with none. */
  coalitionRows: Map<string, [number, number]>;
  formed: Map<string, FormedEntry[]>;
}
