/**
 * A query parameter of the right form that the question cannot use: a timeline's `after` that
 * is no report on that timeline. Named, like the parameters refused for their form (a 400).
 */
export class BadParameterError extends Error {
  override readonly name = 'BadParameterError';

  constructor(
    readonly parameter: string,
    detail: string,
  ) {
    super(`query parameter ${parameter}: ${detail}`);
  }
}
