import { ConcurrencyError, InvalidAppendError } from './errors';
import type { AppendResult, NewEvent } from './events';
import type { AppendOptions, AppendRequest, PostgresEventStore } from './postgres-event-store';

interface Queued extends AppendRequest {
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** Settles one queued append: resolves or rejects it. */
type Settle = () => void;

/**
 * Appends that share calls: the appends submitted in the same tick go to PostgreSQL together,
 * as one appendMany (an append alone in its call, as appendAlone): one round trip and one commit
 * for all of them instead of one each. PostgresEventStore.append goes through one, with calls of
 * up to 50 events; a caller writing many streams at once (the ingestor, a Kafka chunk at a time)
 * keeps its own with a larger limit, and pays per call what it paid per stream.
 *
 * A version mismatch fails only its own stream, as a ConcurrencyError. A call refused for its
 * data (an invalid request, a value PostgreSQL rejects: see `refusedForItsData`) is sent again one
 * append per call, so only the append at fault fails: callers that do not know each other (the
 * writers of one process) cannot fail each other's appends. A call that failed otherwise (the
 * database down, the connection lost) fails every append in it, as each would have failed alone.
 * Two appends to one stream in the same tick go in consecutive calls, in submission order.
 */
export class AppendBatcher {
  private queue: Queued[] = [];
  private scheduled = false;
  /** Streams with an append in a call not yet answered: their next append waits for it. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly store: Pick<PostgresEventStore, 'appendAlone' | 'appendMany'>,
    /**
     * Events per call at most (a single larger append still goes alone). More submitted at once
     * go in several calls side by side, on as many connections: one call is one backend, one core.
     * Sharing a call saves its fixed cost (a round trip, a commit, the function's setup: about as
     * much as a few dozen events' own work), so it pays for small appends and little beyond: by
     * default appends of 50 events or more go alone (8 writers appending 100 events at a time
     * stored 28-34k events/s sharing calls of 500 events, 32-42k alone), and 8 writers appending
     * 10 events at a time share two calls of 40, one per core, rather than one of 80 (22,092
     * against 17,890 events/s). More, smaller calls are slower too, each paying a commit: three
     * calls of 27, four of 20 and eight of 10 stored 0.79-0.81, 0.77 and 0.82-0.86 times what two
     * of 40 stored (two runs of 6 interleaved rounds, on 2026-11-29). The ingestor, whose appends
     * are one or two events per stream, uses 500 (docs/decisions/0004-append-function.md).
     */
    private readonly maxEventsPerCall = 50,
    /**
     * An append submitted while no call is out and none waits goes at once, alone, not at the
     * end of the tick: a writer on its own, which waits for each append, pays nothing for the
     * sharing (PostgresEventStore.append). Appends submitted while it is out share the next call.
     * Off for a caller that submits its appends in one synchronous loop (the ingestor): its
     * first append would go alone and the rest in another call.
     */
    private readonly options: { sendAloneWhenIdle?: boolean } = {},
  ) {}

  append(streamId: string, events: ReadonlyArray<NewEvent>, options: AppendOptions): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      const queued = { streamId, events, options, resolve, reject };
      if (this.options.sendAloneWhenIdle && this.queue.length === 0 && this.inFlight.size === 0) {
        void this.send([queued]);
        return;
      }
      this.queue.push(queued);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Sends what can go now, in calls of at most maxEventsPerCall events; keeps the rest queued in
   * order. What can go now: each stream's first queued append, unless the stream has a call out
   * (a stream's later appends wait, in submission order).
   */
  private flush(): void {
    this.scheduled = false;
    const ready: Queued[] = [];
    const kept: Queued[] = [];
    const blocked = new Set(this.inFlight);
    for (const queued of this.queue) {
      (blocked.has(queued.streamId) ? kept : ready).push(queued);
      blocked.add(queued.streamId);
    }
    this.queue = kept;
    for (const call of this.calls(ready)) void this.send(call);
  }

  /**
   * The calls that carry `ready`: as few as the limit allows, filled evenly rather than the first
   * to the brim. 80 events under a limit of 50 go as two calls of 40, which run side by side on two
   * cores and finish together, instead of 50 and 30, whose larger call sets the pace. An append that
   * does not fit a call waits for the next; the last takes up to the limit, so appends of uneven
   * sizes never need a call more.
   */
  private calls(ready: Queued[]): Queued[][] {
    const events = ready.reduce((sum, queued) => sum + queued.events.length, 0);
    const count = Math.max(1, Math.ceil(events / this.maxEventsPerCall));
    const perCall = Math.ceil(events / count);
    const calls: Queued[][] = [];
    for (let rest = ready; rest.length > 0; ) {
      const limit = calls.length < count - 1 ? perCall : this.maxEventsPerCall;
      const call: Queued[] = [];
      const next: Queued[] = [];
      let size = 0;
      for (const queued of rest) {
        if (call.length === 0 || size + queued.events.length <= limit) {
          call.push(queued);
          size += queued.events.length;
        } else {
          next.push(queued);
        }
      }
      calls.push(call);
      rest = next;
    }
    return calls;
  }

  /**
   * Sends a call, then settles its appends once its streams are free again: a writer that goes
   * on at once (its next append submitted as its answer arrives) finds the batcher idle, and
   * with sendAloneWhenIdle that append goes at once too. (Settled before, every next append of a
   * writer on its own waited for the end of the tick.)
   */
  private async send(call: Queued[]): Promise<void> {
    for (const queued of call) this.inFlight.add(queued.streamId);
    const settle = await this.answer(call);
    for (const queued of call) this.inFlight.delete(queued.streamId);
    if (this.queue.length > 0) this.schedule();
    for (const s of settle) s();
  }

  /**
   * The call's answers, as how each append is to be settled (send settles them). It never
   * rejects: every failure, the store's or PostgreSQL's, is some append's rejection.
   */
  private async answer(call: Queued[]): Promise<Settle[]> {
    if (call.length === 1) {
      // One append alone goes as appendAlone: the same rules, and PostgreSQL's leaner function for one stream.
      const [queued] = call as [Queued];
      return [
        await this.store.appendAlone(queued.streamId, queued.events, queued.options).then(
          (result) => () => queued.resolve(result),
          (error: unknown) => () => queued.reject(error),
        ),
      ];
    }
    try {
      const results = await this.store.appendMany(call);
      return results.map((result, i) => (result instanceof ConcurrencyError ? () => call[i]!.reject(result) : () => call[i]!.resolve(result)));
    } catch (error) {
      if (refusedForItsData(error)) {
        // The whole transaction was rolled back, nothing of it is stored: each append alone finds its own answer.
        return (await Promise.all(call.map((queued) => this.answer([queued])))).flat();
      }
      return call.map((queued) => () => queued.reject(error));
    }
  }
}

/**
 * Whether PostgreSQL (or the store's own checks) refused a call for what it carries, so the
 * transaction was rolled back and one of its requests is at fault: InvalidAppendError (AE002 or a
 * client-side check), a data exception (SQLSTATE class 22: a value out of range, bad JSON...) or
 * an integrity constraint (class 23: a rule of the log's columns, the idempotency race once its
 * retries are spent). Anything else (connection lost, server shutting down) says nothing about
 * the requests, and may even have committed: it is not retried.
 */
function refusedForItsData(error: unknown): boolean {
  if (error instanceof InvalidAppendError) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
