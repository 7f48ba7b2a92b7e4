/**
 * A subscriber in a process of its own, for tests that kill it with SIGKILL mid-batch.
 * Each event is recorded in the `delivered` table inside the subscription's transaction.
 */
import { Pool } from 'pg';
import { PostgresEventStore, Subscription } from '@annals/event-store';

const pool = new Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 4 });
pool.on('error', () => undefined);
const store = new PostgresEventStore(pool);
const id = process.env.SUBSCRIPTION_ID!;
const delay = Number(process.env.HANDLER_DELAY_MS ?? 0);

const subscription = new Subscription(pool, store, {
  subscriptionId: id,
  batchSize: Number(process.env.BATCH_SIZE ?? 100),
  pollIntervalMs: 200,
  handler: async (events, tx) => {
    for (const [i, e] of events.entries()) {
      await tx.query('INSERT INTO delivered (position, subscription) VALUES ($1, $2)', [e.position, id]);
      // slow enough that a kill lands inside a batch, between writes
      if (delay && i % 10 === 0) await new Promise((r) => setTimeout(r, delay));
    }
  },
});
subscription.start();
process.on('SIGTERM', () => {
  void subscription.stop().then(() => pool.end()).then(() => process.exit(0));
});
