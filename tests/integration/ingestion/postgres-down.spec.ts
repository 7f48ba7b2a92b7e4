import type { INestMicroservice } from '@nestjs/common';
import { Pool } from 'pg';
import { startIngestor } from '../../../apps/ingestor/src/bootstrap';
import { readDeadLetters } from '@annals/ingestion';
import { AnnalsMetrics } from '@annals/observability';
import { eventually, ingestorTopics, produce, testKafka, testServers, waitForZeroLag } from '@annals/testing';
import { message, randomReport, rng } from '../../support/news-factory';
import { OwnPostgres } from '../../support/own-postgres';

describe('ingestion: PostgreSQL down', () => {
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
});
