import type { Pool } from 'pg';
import type { CoalitionQueries } from '../coalition-queries';
import { LoadAbandonedError, loadStateCopy, type LoadedStateCopy } from './load-state-copy';
import { MarkConnection } from './mark-connection';
import { activeVersionBehind, readModelMark } from './read-model-mark';

export interface CoalitionStatesOptions {
  /** The most membership facts a copy may hold (API_STATE_COPY_MAX_FACTS); 0 keeps no copy. */
  maxFacts: number;
  /** How often the mark is looked at, to see whether the copy should be loaded again. */
  pollMs?: number;
  /** How long the mark must stay still before a copy is loaded: not while the projector writes. */
  quietMs?: number;
  logger?: { log(message: string): void; warn(message: string): void };
  /** Told where each answer came from, and what a load holds. */
  metrics?: { answered(from: 'memory' | 'postgres'): void; held(facts: number, bytes: number): void };
}

/**
 * GET /coalitions/{id} as the JSON bytes the api sends: from a copy of the active read model in
 * memory (StateCopy) when it is of the rows there now, else from PostgreSQL (CoalitionQueries.state).
 *
 * Before each answer from the copy, the read model's mark (version and checkpoint) is read, on a
 * connection kept for it (MarkConnection): the copy answers only while the mark is still the one
 * it was loaded at, so an answer is never older than the read model at the time of the request
 * (read-your-writes holds, as with PostgreSQL).
 * The copy is loaded again once the projector is at rest: the mark still for `quietMs`, and no
 * stored event it has not applied. While it writes, states come from PostgreSQL, and no load
 * competes with it; a load it overtakes stops at the next slice.
 * Decision 0006 ("The state from a compact copy in memory") has the measurements.
 */
export class CoalitionStates {
  private held: LoadedStateCopy | undefined;
  /** The mark before each answer from the copy, on a connection of its own. */
  private readonly marks: MarkConnection;
  /** A mark seen moving, and when: loaded once it has stayed so for quietMs. */
  private seen: { key: string; since: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private running = false;
  private failing = false;
  private readonly pollMs: number;
  private readonly quietMs: number;

  constructor(
    private readonly pool: Pool,
    private readonly queries: CoalitionQueries,
    private readonly options: CoalitionStatesOptions,
  ) {
    this.marks = new MarkConnection(pool);
    this.pollMs = options.pollMs ?? 500;
    this.quietMs = options.quietMs ?? 1_000;
  }

  /** The state, as CoalitionQueries.state gives it, rendered as JSON. */
  async json(id: string, at: Date, knownAt: Date, sources?: number): Promise<Buffer> {
    const held = this.held;
    if (held?.copy && (await this.marks.read()).key === held.mark.key) {
      this.options.metrics?.answered('memory');
      return held.copy.answer(id, at, knownAt, sources);
    }
    this.options.metrics?.answered('postgres');
    return Buffer.from(JSON.stringify(await this.queries.state(id, at, knownAt, sources)));
  }

  /** Membership facts the copy holds now; 0 when there is none. */
  get heldFacts(): number {
    return this.held?.copy?.facts ?? 0;
  }

  /** Starts keeping a copy (Nest calls it at start); nothing when maxFacts is 0. */
  onModuleInit(): void {
    if (this.options.maxFacts === 0 || this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops, after a load under way, and gives back the mark's connection. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.polling;
    await this.marks.close();
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule(this.pollMs));
    }, ms);
    this.timer.unref();
  }

  /** One look at the mark: let a copy that no longer answers go; load one once the mark rests. */
  private async poll(): Promise<void> {
    try {
      const mark = await readModelMark(this.pool);
      if (this.held?.mark.key === mark.key) return;
      // the copy can never answer again (marks only move on): its memory goes now, not at the next load
      this.held = undefined;
      this.options.metrics?.held(0, 0);
      if (this.seen?.key !== mark.key) {
        this.seen = { key: mark.key, since: Date.now() };
        if (this.quietMs > 0) return;
      }
      if (Date.now() - this.seen.since < this.quietMs) return;
      // a still mark with events to apply is a projector between two slow batches, not at rest
      if (await activeVersionBehind(this.pool)) return;
      const started = Date.now();
      const moved = async () => !this.running || (await readModelMark(this.pool)).key !== mark.key;
      const loaded = await loadStateCopy(this.pool, this.options.maxFacts, moved);
      if (!this.running) return;
      this.held = loaded;
      this.options.metrics?.held(loaded.copy?.facts ?? 0, loaded.copy?.bytes ?? 0);
      if (loaded.copy) {
        this.options.logger?.log(
          `coalition states from memory: ${loaded.facts} membership facts of read model ${loaded.mark.key} (${Math.round(loaded.copy.bytes / 2 ** 20)} MiB) loaded in ${Date.now() - started} ms`,
        );
      } else {
        this.options.logger?.warn(
          `coalition states from PostgreSQL: read model ${loaded.mark.key} has ${loaded.facts} membership facts, more than API_STATE_COPY_MAX_FACTS (${this.options.maxFacts})`,
        );
      }
      this.failing = false;
    } catch (error) {
      // the projector started again: the next rest loads it
      if (error instanceof LoadAbandonedError) return;
      // PostgreSQL away: states come from it anyway (and fail there, with the api's own errors); said once per spell
      if (!this.failing) this.options.logger?.warn(`coalition states: the copy could not be kept (${error instanceof Error ? error.message : String(error)}); states come from PostgreSQL until it can`);
      this.failing = true;
    }
  }
}
