import { isSameCheckpoint, type Checkpoint } from '@annals/event-store';
import type { PairState } from './pair-reads';

/**
 * Facts and stored rows a projector process keeps per live version, together. 250,000 take
 * about 110 MB of heap (measured: 50,000 pairs of 3 facts and 2 rows each); past them the
 * pairs used longest ago are dropped (and read again when a batch touches them).
 */
export const DEFAULT_CACHED_VALUES = 250_000;

/**
 * When the cache is full and still misses: after it first dropped a pair for room, it is judged
 * over the batches committed since, at least JUDGED_BATCHES of them looking up at least
 * JUDGED_LOOKUPS pairs together (a trickle of one-report batches is judged on enough of them).
 * If fewer than MIN_HELD_SHARE of those pairs were held, the version's pairs do not fit (on the
 * 1,000,000-event log the default held ~5,000 of 38,000 pairs, and the cache cost the projector
 * 12-35% more CPU than none: decision 0018), so it is emptied and rests for RESTING_BATCHES
 * batches, which run as with PROJECTOR_CACHE_SIZE=0; then it starts empty again, in case the
 * batches have narrowed. Otherwise it is judged again over the batches that follow.
 */
export const JUDGED_BATCHES = 3;
export const JUDGED_LOOKUPS = 1_000;
export const MIN_HELD_SHARE = 0.5;
export const RESTING_BATCHES = 200;

/**
 * What the cache holds of a pair, as the version's last committed batch left it: all its facts,
 * and its stored rows (with their row ids) still known at `rowsFrom`. The rows closed before are
 * not held: a batch whose facts are known from `rowsFrom` on cannot change them (changeableFrom);
 * one with earlier facts reads the pair's rows again.
 */
export type CachedPair = PairState;

/**
 * What a projector process remembers of one live version's pairs: the facts and stored rows of
 * each pair its own batches recomputed, as those batches committed them. A batch reads from
 * PostgreSQL only what it has not got here: catching up a burst, reading the pairs back had
 * been a third of PostgreSQL's statement time for the projector (decision 0018).
 *
 * It holds only while nothing else writes the version's facts and rows, and is dropped whole
 * when that cannot be known:
 * - a batch that starts anywhere but where this process's last committed batch ended (`begin`):
 *   another instance took the subscription over meanwhile, or an operator moved its checkpoint;
 * - a batch that failed, or whose commit may or may not have happened (`clear`);
 * - a version being loaded or finished (the runner clears it: computeAll and the retractions of
 *   a whole version write outside batches).
 * What a batch changes waits (`stage`) until its transaction has committed (`commit`). A pair
 * a retraction changed is dropped rather than updated: it is recomputed from PostgreSQL, which
 * has the retraction. A cache full and still missing rests (takeForBatch; the constants above).
 */
export class PairCache {
  private readonly pairs = new Map<string, CachedPair>();
  private held = 0;
  /** The batch in progress: per pair, what it holds after the batch, or undefined to drop it. */
  private staged: Map<string, CachedPair | undefined> | undefined;
  /** Where this process's last committed batch ended. */
  private end: Checkpoint | undefined;
  /** The pairs looked up since the last takeLookups or clear: found here, or not (read from PostgreSQL). */
  private looked = { held: 0, missed: 0 };
  /** The batch in progress's lookups, counted toward the judgment once it commits. */
  private batchLooked = { held: 0, missed: 0 };
  /** Since it was last emptied, it has dropped a pair for room. */
  private full = false;
  /** The batches committed since it was full or last judged, and their lookups. */
  private judged = { batches: 0, held: 0, missed: 0 };
  /** Batches still to run without it. */
  private resting = 0;

  /** `capacity`: facts and rows held at most, all pairs together. */
  constructor(readonly capacity: number = DEFAULT_CACHED_VALUES) {}

  /** How many pairs it holds, and how many facts and rows of them. */
  get size(): { pairs: number; values: number } {
    return { pairs: this.pairs.size, values: this.held };
  }

  /**
   * Whether the batch about to start uses the cache (begin, get, stage, commit) or runs as with
   * none: not while it rests, which this counts down by one batch.
   */
  takeForBatch(): boolean {
    if (this.resting === 0) return true;
    this.resting--;
    return false;
  }

  /** A batch starts after `from` (the checkpoint as locked): what is held stands only if that is where the last committed batch ended. */
  begin(from: Checkpoint): void {
    if (!this.end || !isSameCheckpoint(this.end, from)) this.clear();
    this.staged = new Map();
    this.batchLooked = { held: 0, missed: 0 };
  }

  /** A pair as committed (pairKey), if held; the batch in progress has changed none of it. */
  get(key: string): CachedPair | undefined {
    const pair = this.pairs.get(key);
    const outcome = pair ? 'held' : 'missed';
    this.looked[outcome]++;
    this.batchLooked[outcome]++;
    return pair;
  }

  /** Returns and resets `looked`: what sizes PROJECTOR_CACHE_SIZE. A failed batch is cleared, so its lookups are not counted. */
  takeLookups(): { held: number; missed: number } {
    const looked = this.looked;
    this.looked = { held: 0, missed: 0 };
    return looked;
  }

  /** A pair as it will be once the batch in progress commits; undefined drops it. Ignored outside a batch. */
  stage(key: string, pair: CachedPair | undefined): void {
    this.staged?.set(key, pair);
  }

  /**
   * The batch in progress committed, ending at `end`: what it staged is held, the pairs used
   * longest ago dropped past the capacity. Returns the share of pairs held when this commit
   * judged the cache not worth keeping and it now rests (emptied); undefined otherwise.
   */
  commit(end: Checkpoint): number | undefined {
    const staged = this.staged;
    this.staged = undefined;
    if (!staged) return undefined;
    for (const [key, pair] of staged) {
      const before = this.pairs.get(key);
      if (before) {
        this.held -= weight(before);
        this.pairs.delete(key);
      }
      // set again, last: a Map iterates in insertion order, so the pairs used longest ago come first
      if (pair && weight(pair) <= this.capacity) {
        this.pairs.set(key, pair);
        this.held += weight(pair);
      }
    }
    for (const [key, pair] of this.pairs) {
      if (this.held <= this.capacity) break;
      this.pairs.delete(key);
      this.held -= weight(pair);
      this.full = true;
    }
    this.end = end;
    return this.judge();
  }

  /** Judges the batches committed while full, once they are enough: rests, emptied, when too few of their pairs were held. */
  private judge(): number | undefined {
    if (!this.full) return undefined;
    const judged = this.judged;
    judged.batches++;
    judged.held += this.batchLooked.held;
    judged.missed += this.batchLooked.missed;
    if (judged.batches < JUDGED_BATCHES || judged.held + judged.missed < JUDGED_LOOKUPS) return undefined;
    this.judged = { batches: 0, held: 0, missed: 0 };
    const share = judged.held / Math.max(1, judged.held + judged.missed);
    if (share >= MIN_HELD_SHARE) return undefined;
    this.clear();
    this.resting = RESTING_BATCHES;
    return share;
  }

  /** Forgets every pair, the batch in progress included; a rest goes on. */
  clear(): void {
    this.pairs.clear();
    this.held = 0;
    this.staged = undefined;
    this.end = undefined;
    this.looked = { held: 0, missed: 0 };
    this.batchLooked = { held: 0, missed: 0 };
    this.full = false;
    this.judged = { batches: 0, held: 0, missed: 0 };
  }
}

const weight = (pair: CachedPair) => pair.facts.length + pair.rows.length;
