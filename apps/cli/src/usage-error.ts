import type { z } from 'zod';

/**
 * A mistake in how a command was called: an option's value, an unknown version, no database
 * given. `annals` prints its message alone, which names the option; any other error thrown
 * from inside commander's call of an action carried commander's frames and was printed with
 * its stack, burying the message.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Options checked by the HTTP API's schemas (libs/contracts), refused: each failure names the
 * option as typed (the parameter `knownAt` is `--known-at`), or as `names` renames it.
 */
export function optionsError(error: z.ZodError, names: Record<string, string> = {}): UsageError {
  const option = (parameter: string) => names[parameter] ?? parameter.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return new UsageError(error.issues.map((i) => `--${option(String(i.path[0]))}: ${i.message}`).join('; '));
}
