import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No statistics on the events' payload and metadata: every read of the log finds its rows by
 * position, transaction id, stream or idempotency key, and returns the JSON without filtering,
 * joining or sorting on it, so no plan uses what ANALYZE would learn about it. Sampling it was
 * most of what an ANALYZE of the log cost, and autovacuum analyzes the log each time it grows by
 * a tenth, on the cores ingestion is using. Measured on a log of 50,000 reports as the ingestor
 * writes them: ANALYZE 560-645 ms with them, 200-300 ms without (payload about 450 ms of it,
 * metadata about 270); in 50,000-report scratch runs (2 interleaved rounds), autovacuum's
 * analyzes of the log took 0.58-0.67 s of CPU per run with them, 0.18-0.25 s without. The read
 * model's JSON columns skip sampling for the same reason (migration 1764300010000).
 */
const UNSAMPLED = ['payload', 'metadata'];

const setTargets = (target: number) => `ALTER TABLE event_store.events ${UNSAMPLED.map((c) => `ALTER COLUMN ${c} SET STATISTICS ${target}`).join(', ')}`;

export class EventPayloadStatistics1764300017000 implements MigrationInterface {
  name = 'EventPayloadStatistics1764300017000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(setTargets(0));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(setTargets(-1));
  }
}
