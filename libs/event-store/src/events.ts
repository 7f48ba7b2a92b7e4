/** Where a stored event came from: the Kafka message it was decided from. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface EventMetadata {
  /** Shared by everything one request or message caused. */
  correlationId?: string;
  /** The id of the message or event that directly caused this one. */
  causationId?: string;
  source?: SourcePosition;
  [key: string]: unknown;
}

/** An event to append. */
export interface NewEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
  /** Defaults to the current version registered for the type, or 1. */
  schemaVersion?: number;
  metadata?: EventMetadata;
  /** Valid time: when it happened in the world. */
  occurredAt?: Date;
  /** An event whose key is stored already is not stored again; the append answers with the original. */
  idempotencyKey?: string;
}

/** Where a catch-up reader is: after the event (transactionId, position), in that order. */
export interface Checkpoint {
  transactionId: string;
  position: number;
}

export const START: Checkpoint = Object.freeze({ transactionId: '0', position: 0 });

export interface StoredEvent<T extends string = string, D = unknown> {
  position: number;
  transactionId: string;
  streamId: string;
  streamVersion: number;
  type: T;
  /** The version of `data`'s shape; after upcasting, the current one. */
  schemaVersion: number;
  /** The version the event was stored at (before upcasting). */
  storedSchemaVersion: number;
  data: D;
  metadata: EventMetadata;
  occurredAt: Date | null;
  recordedAt: Date;
  idempotencyKey: string | null;
  hash: string;
}

/**
 * The part of a stored event that applying it in order needs: no metadata, hash, occurred-at or
 * idempotency key. A catch-up reader that only applies events (a projection) reads this form
 * (`readAllCores`, a subscription with `read: 'cores'`): those columns are about half of each
 * row's bytes, and decoding them (the metadata's JSON above all) was about half of a read's CPU
 * in Node.
 */
export type StoredEventCore<T extends string = string, D = unknown> = Pick<
  StoredEvent<T, D>,
  'position' | 'transactionId' | 'streamId' | 'streamVersion' | 'type' | 'schemaVersion' | 'storedSchemaVersion' | 'data' | 'recordedAt'
>;

/**
 * What a writer reads of a stream's events to rebuild the stream's state, when that state lives
 * in the idempotency keys and a few metadata keys it wrote (`readStreamKeys`): each event's
 * version, idempotency key, and the values of the metadata keys asked for, as text (a string as
 * it is, any other JSON value as its JSON text as the writer sent it; a key the event's metadata
 * lacks is left out).
 * No payload, no other metadata: an ingestor reads every stream it writes to after a start, and
 * on a log of 1,000,000 events decoding whole headers (the metadata's JSON above all) was most
 * of that read's cost.
 */
export interface StoredEventKeys {
  streamVersion: number;
  idempotencyKey: string | null;
  metadata: Record<string, string>;
}

export interface AppendedEvent {
  position: number;
  streamId: string;
  streamVersion: number;
  idempotencyKey: string | null;
  /** True when the key was stored already: position and version are the original's. */
  duplicate: boolean;
}

export interface AppendResult {
  streamId: string;
  /** The stream's version after this append, as far as this append knows (use it as the next expectedVersion). */
  nextExpectedVersion: number;
  events: AppendedEvent[];
}

export function checkpointOf(event: Pick<StoredEvent, 'transactionId' | 'position'>): Checkpoint {
  return { transactionId: event.transactionId, position: event.position };
}
