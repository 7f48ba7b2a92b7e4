import type { INestMicroservice } from '@nestjs/common';
import { Client, Pool } from 'pg';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { readDeadLetters } from '@annals/ingestion';
import { AnnalsMetrics } from '@annals/observability';
import { eventually, ingestorTopics, produce, testKafka, testServers, waitForZeroLag } from '@annals/testing';
import { message, randomReport, rng } from '../../support/news-factory';
import { OwnPostgres } from '../../support/own-postgres';

describe('ingestion: PostgreSQL down or out of lock table', () => {
  // below the ephemeral port range, as tools/stack/profiles.ts explains
  const postgres = new OwnPostgres('pg-down', 25351);
  const topics = ingestorTopics('pgdown');
  let app: INestMicroservice | undefined;
  let pool: Pool;

  beforeAll(async () => {
    await postgres.create();
    pool = new Pool({ connectionString: postgres.appUrl, max: 2 });
    pool.on('error', () => undefined);
    app = await startIngestor({ KAFKA_BROKERS: testServers().kafkaBrokers.join(','), DATABASE_URL: postgres.appUrl, ...topics, LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await postgres.destroy();
  });

  const isStored = async (id: string) => {
    const { rowCount } = await pool.query('SELECT 1 FROM event_store.events WHERE idempotency_key = $1', [id]);
    return rowCount ? true : undefined;
  };

  it('a message that arrives while PostgreSQL is stopped is retried, not dead-lettered, and stored once it is back', async () => {
    const random = rng(7);
    const before = randomReport(random, 'before-outage');
    await produce(topics.KAFKA_TOPIC, [message(before)]);
    await eventually('the first report', () => isStored(before.id));

    await postgres.stop('fast');
    const metrics = app!.get(AnnalsMetrics);
    const failuresBefore = (await metrics.transientFailures.get()).values[0]?.value ?? 0;
    const during = randomReport(random, 'during-outage');
    await produce(topics.KAFKA_TOPIC, [message(during)]);
    // the ingestor meets the outage and retries (counted), committing nothing meanwhile
    await eventually('a transient failure', async () => (((await metrics.transientFailures.get()).values[0]?.value ?? 0) > failuresBefore ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));

    await postgres.start();
    await eventually('the report sent during the outage', () => isStored(during.id), 90_000);
    await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events');
    expect(rows[0]!.n).toBe(2);
    expect(await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC)).toEqual([]);
  });

  it('a message that meets a full lock table is retried, not dead-lettered, and stored once the locks are freed', async () => {
    // Appends take an advisory lock per stream, each an entry of PostgreSQL's shared lock table
    // until commit; when another transaction holds every free entry, an append fails with
    // "out of shared memory" (53200) until it ends: a condition that passes by itself.
    const filler = new Client({ connectionString: postgres.appUrl });
    await filler.connect();
    try {
      await filler.query('BEGIN');
      let taken = 0;
      for (let chunk = 4096; chunk >= 1; ) {
        await filler.query('SAVEPOINT fill');
        try {
          await filler.query('SELECT count(pg_advisory_xact_lock(1, i)) FROM generate_series($1::int, $2::int) i', [taken + 1, taken + chunk]);
          await filler.query('RELEASE SAVEPOINT fill');
          taken += chunk;
        } catch (error) {
          expect((error as { code?: string }).code).toBe('53200');
          await filler.query('ROLLBACK TO SAVEPOINT fill');
          chunk = Math.floor(chunk / 2);
        }
      }
      expect(taken).toBeGreaterThan(1000);

      const metrics = app!.get(AnnalsMetrics);
      const failuresBefore = (await metrics.transientFailures.get()).values[0]?.value ?? 0;
      const blocked = randomReport(rng(11), 'full-lock-table');
      await produce(topics.KAFKA_TOPIC, [message(blocked)]);
      await eventually('a transient failure', async () => (((await metrics.transientFailures.get()).values[0]?.value ?? 0) > failuresBefore ? true : undefined), 60_000);
      // long enough for the retries a failure that is not transient gets before its message is dead-lettered
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await filler.query('ROLLBACK');

      await eventually('the report that met the full lock table', () => isStored(blocked.id), 90_000);
      await waitForZeroLag(topics.KAFKA_GROUP_ID, topics.KAFKA_TOPIC);
      expect(await readDeadLetters(testKafka(), topics.KAFKA_DLQ_TOPIC)).toEqual([]);
    } finally {
      await filler.end();
    }
  });
});
