import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stored reports a read-model version left out because the projection could not read them
 * (coalition-membership/report-problem.ts): which event, of what stream and type, and why. The
 * projector writes a row in the batch that skips the event, so the table and the checkpoint
 * agree; GET /admin/projections counts them per version, and so does /metrics. A retired
 * version's rows go with its partitions (ProjectionVersions.purge). Not partitioned: a handful
 * of rows per version, if any (docs/decisions/0012-unreadable-events.md).
 */
export class SkippedEvents1764300021000 implements MigrationInterface {
  name = 'SkippedEvents1764300021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE read_model.skipped_events (
        version    integer NOT NULL,
        position   bigint NOT NULL,
        stream_id  text NOT NULL,
        type       text NOT NULL,
        reason     text NOT NULL,
        skipped_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (version, position)
      )`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON read_model.skipped_events TO annals_writer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE read_model.skipped_events`);
  }
}
