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
 * A stored event without its payload: what a writer reads to rebuild a stream's state when that
 * state lives in what it put in the metadata and the idempotency key (`readStreamHeaders`). On a
 * stream of thousands of events the payloads were most of the bytes read and most of the
 * decoding, which the ingestor paid for every stream it wrote to after a start.
 */
export type StoredEventHeader<T extends string = string> = Pick<StoredEvent<T>, 'position' | 'streamId' | 'streamVersion' | 'type' | 'metadata' | 'idempotencyKey'>;

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
