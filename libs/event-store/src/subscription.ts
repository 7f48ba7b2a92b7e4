import type { Pool, PoolClient } from 'pg';
import type { Checkpoint, StoredEvent, StoredEventCore } from './events';
import { START } from './events';
import { isSameCheckpoint } from './checkpoint-text';
import type { PostgresEventStore, ReadAllResult } from './postgres-event-store';

/**
 * Handles one batch inside the subscription's transaction: write through `tx`, and the
 * writes commit together with the new checkpoint, or not at all (exactly-once effect). `from`
 * is the checkpoint the batch follows, as locked: a handler that remembers what its own batches
 * wrote can tell from it whether another instance has written since (it is not where the
 * handler's last committed batch, onBatch's checkpoint, ended).
 */
export type BatchHandler<E extends StoredEventCore = StoredEvent> = (events: E[], tx: PoolClient, from: Checkpoint) => Promise<void>;

interface CommonSubscriptionOptions {
  /** Names the checkpoint row and the lock. */
  subscriptionId: string;
  batchSize?: number;
  /** Fallback when no NOTIFY arrives (e.g. a reader held back by an unrelated transaction). */
  pollIntervalMs?: number;
  /** Where to start when no checkpoint is stored yet. */
  from?: Checkpoint;
  /**
   * Hold a session advisory lock so that one instance works while the others wait; when the
   * holder dies its session ends, PostgreSQL frees the lock and a waiting instance takes over.
   */
  exclusive?: boolean;
  onError?: (error: unknown, attempt: number) => void;
  onBatch?: (info: { events: number; checkpoint: Checkpoint; caughtUp: boolean }) => void;
}

/** A subscription whose handler gets whole stored events. */
export interface SubscriptionOptions extends CommonSubscriptionOptions {
  read?: 'events';
  handler: BatchHandler<StoredEvent>;
}

/** A subscription whose handler gets each event's core (StoredEventCore): for handlers that only apply events. */
export interface CoreSubscriptionOptions extends CommonSubscriptionOptions {
  read: 'cores';
  handler: BatchHandler<StoredEventCore>;
}

export interface SubscriptionStatus {
  subscriptionId: string;
  state: 'stopped' | 'waiting-for-lock' | 'catching-up' | 'live';
  checkpoint: Checkpoint | undefined;
  lastError: string | undefined;
}

const NOTIFY_CHANNEL = 'event_store_appended';

/**
 * A catch-up subscription: reads everything after its stored checkpoint in batches, then
 * follows live appends, woken by LISTEN/NOTIFY and polling as the fallback. The checkpoint
 * row is locked FOR UPDATE for the length of each batch, so even two instances that both
 * think they own the subscription cannot apply a batch twice.
 */
export class Subscription {
  private running = false;
  private wakeSleeper: (() => void) | undefined;
  private woken = false;
  private listener: PoolClient | undefined;
  private lockClient: PoolClient | undefined;
  private loop: Promise<void> | undefined;
  /** The batch after the one being handled, read meanwhile on another connection (see `prefetch`). */
  private next: { after: Checkpoint; read: Promise<ReadAllResult<StoredEventCore> | undefined> } | undefined;
  private readonly status_: SubscriptionStatus;

  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
    private readonly options: SubscriptionOptions | CoreSubscriptionOptions,
  ) {
    this.status_ = { subscriptionId: options.subscriptionId, state: 'stopped', checkpoint: undefined, lastError: undefined };
  }

  status(): SubscriptionStatus {
    return { ...this.status_ };
  }

  /** Starts the loop in the background; resolves once it runs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in flight, if any; the checkpoint of that batch is committed. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      try {
        if (this.options.exclusive) await this.acquireLock();
        if (!this.running) break;
        await this.listen();
        for (;;) {
          if (!this.running) break;
          const read = await this.processBatch();
          attempt = 0;
          this.status_.lastError = undefined;
          if (read < this.batchSize) {
            this.status_.state = 'live';
            await this.idle();
          } else {
            this.status_.state = 'catching-up';
          }
          if (this.options.exclusive && !this.lockClient) break; // lost the lock: acquire again
        }
      } catch (error) {
        attempt++;
        this.status_.lastError = error instanceof Error ? error.message : String(error);
        this.options.onError?.(error, attempt);
        await this.releaseClients(true);
        // Transient failures (the database restarting, a handler bug being fixed) are retried with backoff.
        await this.sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)));
      }
    }
    await this.next?.read;
    this.next = undefined;
    await this.releaseClients(false);
    this.status_.state = 'stopped';
  }

  /** One transaction: lock the checkpoint, read after it, handle, move it. Returns how many events were read. */
  private async processBatch(): Promise<number> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO event_store.checkpoints (subscription_id, transaction_id, position) VALUES ($1, $2::xid8, $3)
         ON CONFLICT (subscription_id) DO NOTHING`,
        [this.options.subscriptionId, (this.options.from ?? START).transactionId, (this.options.from ?? START).position],
      );
      const { rows } = await client.query<{ transaction_id: string; position: number }>(
        'SELECT transaction_id::text AS transaction_id, position FROM event_store.checkpoints WHERE subscription_id = $1 FOR UPDATE',
        [this.options.subscriptionId],
      );
      const checkpoint = { transactionId: rows[0]!.transaction_id, position: rows[0]!.position };
      const batch = (await this.prefetched(checkpoint)) ?? (await this.read(checkpoint, client));
      if (batch.events.length === this.batchSize) this.prefetch(batch.checkpoint);
      if (batch.events.length > 0) {
        // the events are of the form `read` names, which is the form the handler takes
        await (this.options.handler as BatchHandler<StoredEventCore>)(batch.events, client, checkpoint);
        await client.query(
          'UPDATE event_store.checkpoints SET transaction_id = $2::xid8, position = $3, updated_at = now() WHERE subscription_id = $1',
          [this.options.subscriptionId, batch.checkpoint.transactionId, batch.checkpoint.position],
        );
      }
      await client.query('COMMIT');
      this.status_.checkpoint = batch.checkpoint;
      const caughtUp = batch.events.length < this.batchSize;
      if (batch.events.length > 0) this.options.onBatch?.({ events: batch.events.length, checkpoint: batch.checkpoint, caughtUp });
      return batch.events.length;
    } catch (error) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken ? true : undefined);
    }
  }

  /**
   * Catching up, the next batch is read while this one is handled: the handler waits on
   * PostgreSQL most of its time, and the read (mostly decoding rows in Node) fits in those waits.
   * A read outside the batch's transaction is as safe as one inside: catch-up reads return only
   * events of transactions that have all ended (read_all), so a later read from the same
   * checkpoint starts with the same events. It is used only if the checkpoint, locked, is still
   * where the read started (another instance or an operator may have moved it meanwhile) and it
   * came back full (else a fresh read may see more).
   */
  private prefetch(after: Checkpoint): void {
    const read = this.read(after).catch(() => undefined);
    this.next = { after, read };
  }

  /** The batch after `after`, in the form the options' `read` names. */
  private read(after: Checkpoint, client?: PoolClient): Promise<ReadAllResult<StoredEventCore>> {
    return this.options.read === 'cores' ? this.store.readAllCores(after, this.batchSize, client) : this.store.readAll(after, this.batchSize, client);
  }

  private async prefetched(checkpoint: Checkpoint): Promise<ReadAllResult<StoredEventCore> | undefined> {
    const next = this.next;
    this.next = undefined;
    if (!next || !isSameCheckpoint(next.after, checkpoint)) return undefined;
    const batch = await next.read;
    return batch?.events.length === this.batchSize ? batch : undefined;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 500;
  }

  private async acquireLock(): Promise<void> {
    if (this.lockClient) return;
    this.status_.state = 'waiting-for-lock';
    while (this.running) {
      const client = await this.pool.connect();
      try {
        const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('annals.subscription:' || $1, 0)) AS locked", [
          this.options.subscriptionId,
        ]);
        if (rows[0]!.locked) {
          client.once('error', () => {
            // The session holding the lock is gone, and with it the lock: give the dead
            // connection back (destroyed) and take the lock again before the next batch.
            if (this.lockClient !== client) return; // already given back
            this.lockClient = undefined;
            client.release(true);
            this.wake();
          });
          this.lockClient = client;
          this.status_.state = 'catching-up';
          return;
        }
        client.release();
      } catch (error) {
        client.release(true);
        throw error;
      }
      await this.sleep(this.options.pollIntervalMs ?? 1000);
    }
  }

  private async listen(): Promise<void> {
    if (this.listener) return;
    const client = await this.pool.connect();
    client.on('notification', () => this.wake());
    client.once('error', () => {
      if (this.listener !== client) return; // already given back
      this.listener = undefined;
      client.release(true);
      this.wake();
    });
    try {
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.listener = client;
  }

  private idle(): Promise<void> {
    return this.sleep(this.options.pollIntervalMs ?? 1000);
  }

  /** Sleeps until woken (a NOTIFY, stop()) or the timeout. A wake-up that came while busy ends the next sleep at once. */
  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.wakeSleeper === finish) this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeSleeper = finish;
    });
  }

  private wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.woken = true;
  }

  private async releaseClients(broken: boolean): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      if (!broken) await listener.query(`UNLISTEN ${NOTIFY_CHANNEL}`).catch(() => undefined);
      listener.release(true);
    }
    const lock = this.lockClient;
    this.lockClient = undefined;
    // Closing the session frees its advisory lock.
    lock?.release(true);
  }
}
