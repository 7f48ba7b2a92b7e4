import type { Pool, PoolClient } from 'pg';
import { type ReadModelMark, readModelMark } from './read-model-mark';

/**
 * The read model's mark, read before each answer from the copy, on one connection of the pool
 * kept for it: concurrent reads go out together on it (the pool's clients pipeline), and its
 * server process stays warm.
 *
 * Why not a client from the pool per read: at 1,000,000 events, idle, the api's p99 with the mark
 * read through pool.query was about 10 ms, and about 4 ms with this connection, the answer and
 * everything else alike (two apis on one data set, the benchmark's load in turns, 10 rounds
 * each: medians of the rounds' p99 10.2 and 4.3 ms; 2026-12-04). In the benchmark's own run
 * (docs/benchmarks.md, section 4) the gain shows less: idle p99 9.83 ms against 10.64 the run
 * before, its trials spread from 4.62 to 16.22 ms; what else makes that tail there is not known.
 *
 * A read that fails gives the connection back to the pool to be discarded (a server restart ends
 * it), and the next read takes a new one.
 */
export class MarkConnection {
  private client: Promise<PoolClient> | undefined;
  private closed = false;

  constructor(private readonly pool: Pool) {}

  async read(): Promise<ReadModelMark> {
    // closed (the api stopping): a connection taken now would never be given back
    if (this.closed) return readModelMark(this.pool);
    if (!this.client) {
      const connecting = this.pool.connect();
      // (a connection that could not be had is tried again at the next read)
      connecting.catch(() => {
        if (this.client === connecting) this.client = undefined;
      });
      this.client = connecting;
    }
    const client = this.client;
    try {
      return await readModelMark(await client);
    } catch (error) {
      // the first of the reads that fail on it discards it; the others, sent along, fail with it
      if (this.client === client) {
        this.client = undefined;
        await client.then((c) => c.release(true)).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Gives the connection back (to be closed): before the pool ends, which waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.then((c) => c.release(true)).catch(() => undefined);
  }
}
