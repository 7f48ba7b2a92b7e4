import type { Socket } from 'node:net';
import type { Pool, PoolClient } from 'pg';

/**
 * What a statement may wait for an answer beyond the statement timeout before the server is
 * taken for silent: the time for PostgreSQL's own cancel to fire and reach us on a loaded host.
 */
export const SILENCE_GRACE_MS = 5_000;

/** The error every statement waiting on a connection found silent fails with (transient: ETIMEDOUT). */
export class SilentServerError extends Error {
  override readonly name = 'SilentServerError';
  readonly code = 'ETIMEDOUT';
  constructor(readonly silentMs: number) {
    super(`PostgreSQL did not answer for ${silentMs} ms while a statement waited: the server or the network to it is silent; the connection was closed`);
  }
}

/** pg's client, as far as this file looks into it: its socket and the statements it has not had answered. */
interface ClientInternals {
  connection?: { stream?: Socket };
  _getActiveQuery?: () => unknown;
  _queryQueue?: unknown[];
  _sentQueryQueue?: unknown[];
}

/** Whether the client has a statement sent or queued and not yet answered. */
function waiting(client: ClientInternals): boolean {
  return Boolean(client._getActiveQuery?.()) || (client._sentQueryQueue?.length ?? 0) > 0 || (client._queryQueue?.length ?? 0) > 0;
}

/**
 * Closes a pool's connection once PostgreSQL has sent nothing on it for `silentMs` while a
 * statement waits there, so that the statement fails (SilentServerError, transient: retried,
 * answered 503) instead of waiting for ever. A server that is alive answers every statement
 * within the statement timeout, if only with its cancel; one that is frozen (a stopped host,
 * storage that hangs, a network path that drops packets while the kernel still holds the
 * connection) answers nothing, and a statement sent to it waited until the server came back,
 * which may be never: an api request hung, its pool slot with it, and the ingestor and the
 * projector stopped without a word.
 *
 * Silence, not a statement's age, is what is timed (the socket's idle timeout, re-armed by
 * every byte either way): statements pipelined behind each other each wait for those before
 * them, and a batch of them may rightly take longer than one statement's timeout in all, but
 * the server answers each in turn. pg's own query_timeout times a statement from the moment it
 * is queued. A connection with nothing waiting (idle in the pool, held between statements, a
 * LISTEN) may stay quiet.
 */
export function closeOnSilence(pool: Pool, silentMs: number): void {
  pool.on('connect', (client: PoolClient) => {
    const internals = client as unknown as ClientInternals;
    const socket = internals.connection?.stream;
    if (!socket || typeof socket.setTimeout !== 'function') return;
    // 'timeout' fires after every quiet spell, waiting or not. A callback given to setTimeout
    // is heard once only: a connection that had once been quiet with nothing waiting (idle in
    // the pool between bursts, which is nearly every connection) then waited on a frozen
    // server for ever. The listener stays for the connection's life.
    socket.setTimeout(silentMs);
    socket.on('timeout', () => {
      if (waiting(internals)) socket.destroy(new SilentServerError(silentMs));
    });
  });
}
