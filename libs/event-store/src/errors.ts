import type { ExpectedVersion } from './expected-version';

/** The stream is not at the version the writer expected. Reload, decide again, retry. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: ExpectedVersion,
    /** The stream's version when the append was refused (0 = no events). */
    readonly actualVersion: number,
  ) {
    super(`stream ${streamId} is at version ${actualVersion}, the writer expected ${String(expectedVersion)}`);
  }
}

/** A request the store refuses whatever the state (empty append, malformed stream id...). */
export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
}

/** A stored event whose schema version has no upcaster to the current shape. */
export class UnknownSchemaVersionError extends Error {
  override readonly name = 'UnknownSchemaVersionError';
}
