/**
 * A mistake in how a command was called: an option's value, an unknown version, no database
 * given. `annals` prints its message alone, which names the option; any other error thrown
 * from inside commander's call of an action carried commander's frames and was printed with
 * its stack, burying the message.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
