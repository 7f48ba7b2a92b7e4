import { ConcurrencyError } from './errors';
import type { AppendResult, NewEvent } from './events';
import type { AppendOptions, AppendRequest, PostgresEventStore } from './postgres-event-store';

interface Queued extends AppendRequest {
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * `append` with the same contract as PostgresEventStore.append, but the appends submitted in
 * the same tick go to PostgreSQL together, as one appendMany: one round trip and one commit for
 * all of them instead of one each. A caller writing many streams at once (the ingestor, a Kafka
 * chunk at a time) pays per call what it paid per stream.
 *
 * A failure of the whole call (the database down, an invalid request among them) fails every
 * append of that call; a version mismatch fails only its own stream, as a ConcurrencyError.
 * Two appends to one stream in the same tick go in consecutive calls, in submission order.
 */
export class AppendBatcher {
  private queue: Queued[] = [];
  private scheduled = false;
  /** Streams with an append in a call not yet answered: their next append waits for it. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly store: PostgresEventStore,
    /**
     * Events per call at most (a single larger append still goes alone). More submitted at once
     * go in several calls side by side, on as many connections: one call is one backend, one core.
     */
    private readonly maxEventsPerCall = 500,
  ) {}

  append(streamId: string, events: ReadonlyArray<NewEvent>, options: AppendOptions): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events, options, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what can go now, in calls of at most maxEventsPerCall events; keeps the rest queued in order. */
  private flush(): void {
    this.scheduled = false;
    for (;;) {
      const call: Queued[] = [];
      const kept: Queued[] = [];
      // a stream with an append kept back keeps its later appends back too (submission order)
      const blocked = new Set(this.inFlight);
      let events = 0;
      for (const queued of this.queue) {
        const fits = call.length === 0 || events + queued.events.length <= this.maxEventsPerCall;
        if (fits && !blocked.has(queued.streamId)) {
          call.push(queued);
          events += queued.events.length;
        } else {
          kept.push(queued);
        }
        blocked.add(queued.streamId);
      }
      this.queue = kept;
      if (call.length === 0) return;
      void this.send(call);
    }
  }

  private async send(call: Queued[]): Promise<void> {
    for (const queued of call) this.inFlight.add(queued.streamId);
    try {
      const results = await this.store.appendMany(call);
      results.forEach((result, i) => (result instanceof ConcurrencyError ? call[i]!.reject(result) : call[i]!.resolve(result)));
    } catch (error) {
      for (const queued of call) queued.reject(error);
    } finally {
      for (const queued of call) this.inFlight.delete(queued.streamId);
      if (this.queue.length > 0) this.schedule();
    }
  }
}
