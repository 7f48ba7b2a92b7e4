import { ConfigError } from '@annals/config';
import { serverError } from './server-error';

/**
 * Runs an app's start as its process's main job. A start that fails for a reason the operator
 * fixes (a bad setting, a server that refuses or does not answer, after the clients' own
 * retries) prints one line saying so and exits 1, for the supervisor to restart it; kafkajs'
 * error printed some thirty lines of stack and nested causes before the reason. Anything else is
 * a fault of Annals and keeps its stack.
 */
export function runApp(app: string, start: () => Promise<unknown>): void {
  start().catch((error: unknown) => {
    // a ConfigError's message names the app and every bad setting already
    const server = serverError(error);
    console.error(error instanceof ConfigError ? error.message : server !== undefined ? `annals ${app} could not start: ${server}` : error);
    process.exit(1);
  });
}
