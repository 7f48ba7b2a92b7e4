/**
 * A rebuild could not start: queries or the projector kept the read model's tables in use for
 * as long as the caller was willing to wait. Nothing changed; asking again later is safe.
 */
export class ReadModelBusyError extends Error {
  override readonly name = 'ReadModelBusyError';
}
