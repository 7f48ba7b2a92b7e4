import type { StoredEvent } from './events';
import type { PostgresEventStore } from './postgres-event-store';

export interface AsOf {
  /** The state after this stream version. */
  version?: number;
  /** The state as it was recorded by this instant. */
  recordedAt?: Date;
}

/**
 * Folds a stream into state, now or in the past: aggregate time travel by stream version
 * or by recorded-at time. `evolve` is the domain's own function.
 */
export async function loadAggregate<S>(
  store: PostgresEventStore,
  streamId: string,
  evolve: (state: S, event: StoredEvent) => S,
  initial: S,
  asOf: AsOf = {},
): Promise<{ state: S; version: number }> {
  const events = await store.readStream(streamId, {
    ...(asOf.version !== undefined ? { toVersion: asOf.version } : {}),
    ...(asOf.recordedAt !== undefined ? { recordedUpTo: asOf.recordedAt } : {}),
  });
  let state = initial;
  for (const event of events) state = evolve(state, event);
  return { state, version: events.length ? events[events.length - 1]!.streamVersion : 0 };
}
