/** The thing a query names does not exist (an unknown coalition, country or report). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
