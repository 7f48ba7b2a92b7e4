import type { Pool, PoolClient } from 'pg';
import type { Repository } from 'typeorm';
import { inTransaction } from '@annals/database';
import type { Checkpoint } from '@annals/event-store';
import type { SkippedEvent } from './coalition-membership/read-facts';
import { ProjectionVersionEntity } from './projection-version.entity';
import { COALITION_MEMBERSHIP } from './coalition-membership/coalition-membership.projection';
import { gaveWay, giveWayToQueries } from './give-way-to-queries';
import { ReadModelBusyError } from './read-model-busy.error';

export type VersionState = 'building' | 'active' | 'retired';

export interface ProjectionVersion {
  version: number;
  state: VersionState;
  subscriptionId: string;
  createdAt: Date;
  activatedAt: Date | null;
  checkpoint: Checkpoint | null;
  /** Stored events this version has not applied yet. */
  lagEvents: number;
  /** Age of the oldest of them, in seconds; 0 when caught up. */
  lagSeconds: number;
  /** Stored reports this version left out because it could not read them (read_model.skipped_events). */
  skippedEvents: number;
}

/** A report a version skipped, as recorded: GET /admin/projections/{version}/skipped-events and `annals projections --skipped` list them. */
export interface SkippedEventRecord extends SkippedEvent {
  skippedAt: Date;
}

/** A page of them; `next` is the `after` of the next page, null on the last. */
export interface SkippedEventsPage {
  items: SkippedEventRecord[];
  next: number | null;
}

/** A checkpoint as the statements here read it (`transaction_id::text`, position); both null when a version has none yet. */
interface CheckpointRow {
  transaction_id: string | null;
  position: number | null;
}

const checkpointOfRow = (r: CheckpointRow): Checkpoint | null => (r.transaction_id === null ? null : { transactionId: r.transaction_id, position: r.position ?? 0 });

/** The subscription (checkpoint) ids of the read model's versions: this, then the version. */
export const SUBSCRIPTION_PREFIX = `${COALITION_MEMBERSHIP}@v`;

export const subscriptionIdOf = (version: number) => `${SUBSCRIPTION_PREFIX}${version}`;

/**
 * The active version `v` and its checkpoint `c` (c's columns null before its first batch), as the
 * FROM and WHERE of a statement: one primary-key lookup each in two small tables. The one place
 * that says which checkpoint is the active read model's, for the lag here and the api's mark
 * (@annals/queries readModelMark). The prefix is this module's constant, not input.
 */
export const FROM_ACTIVE_CHECKPOINT = `FROM read_model.versions v
  LEFT JOIN event_store.checkpoints c ON c.subscription_id = '${SUBSCRIPTION_PREFIX}' || v.version
 WHERE v.state = 'active'`;

/**
 * The versions of the read model (blue/green): one active, answering queries; at most one
 * building, catching up from the first event; the rest retired. Switching is one UPDATE.
 */
export class ProjectionVersions {
  constructor(
    private readonly pool: Pool,
    private readonly repository: Repository<ProjectionVersionEntity>,
  ) {}

  /** Every version and its state, oldest first (a simple read: TypeORM). */
  states(): Promise<Array<Pick<ProjectionVersionEntity, 'version' | 'state' | 'phase'>>> {
    return this.repository.find({ select: { version: true, state: true, phase: true }, order: { version: 'ASC' } });
  }

  /** Every version, oldest first, with its checkpoint and how far behind the log it is. */
  async list(): Promise<ProjectionVersion[]> {
    const { rows } = await this.pool.query<CheckpointRow & { version: number; state: VersionState; created_at: Date; activated_at: Date | null; skipped: number }>(
      `SELECT v.version, v.state, v.created_at, v.activated_at, c.transaction_id::text AS transaction_id, c.position,
              (SELECT count(*)::int FROM read_model.skipped_events s WHERE s.version = v.version) AS skipped
         FROM read_model.versions v
         LEFT JOIN event_store.checkpoints c ON c.subscription_id = $1 || v.version
        ORDER BY v.version`,
      [SUBSCRIPTION_PREFIX],
    );
    const versions: ProjectionVersion[] = [];
    for (const r of rows) {
      const checkpoint = checkpointOfRow(r);
      // a retired version is behind by nothing: it applies no more events
      const lag = r.state === 'retired' ? { events: 0, seconds: 0 } : await eventsAfter(this.pool, checkpoint);
      versions.push({
        version: r.version,
        state: r.state,
        subscriptionId: subscriptionIdOf(r.version),
        createdAt: r.created_at,
        activatedAt: r.activated_at,
        checkpoint,
        lagEvents: lag.events,
        lagSeconds: lag.seconds,
        skippedEvents: r.skipped,
      });
    }
    return versions;
  }

  /**
   * A page of the reports a version skipped (read_model.skipped_events), by position, after
   * `after`; undefined when there is no such version. The next page starts after the last
   * position of this one; a full page may be followed by an empty one.
   */
  async skippedEvents(version: number, after: number, limit: number): Promise<SkippedEventsPage | undefined> {
    const { rows } = await this.pool.query<{ position: number | null; stream_id: string; type: string; reason: string; skipped_at: Date }>(
      `SELECT s.position, s.stream_id, s.type, s.reason, s.skipped_at
         FROM read_model.versions v
         LEFT JOIN LATERAL (
           SELECT * FROM read_model.skipped_events s
            WHERE s.version = v.version AND s.position > $2
            ORDER BY s.position LIMIT $3
         ) s ON true
        WHERE v.version = $1`,
      [version, after, limit],
    );
    if (rows.length === 0) return undefined;
    const items = rows
      .filter((r) => r.position !== null)
      .map((r) => ({ position: r.position!, streamId: r.stream_id, type: r.type, reason: r.reason, skippedAt: r.skipped_at }));
    return { items, next: items.length === limit ? items[items.length - 1]!.position : null };
  }

  /** A version's checkpoint, one row read (null before its first batch): what `annals replay` polls for its progress. */
  async checkpointOf(version: number): Promise<Checkpoint | null> {
    const { rows } = await this.pool.query<CheckpointRow>(
      'SELECT transaction_id::text AS transaction_id, position FROM event_store.checkpoints WHERE subscription_id = $1',
      [subscriptionIdOf(version)],
    );
    return rows[0] ? checkpointOfRow(rows[0]) : null;
  }

  /**
   * Starts a rebuild: a new version, built from the first event. Returns the building version
   * (new or already under way). Creating the version's partitions needs a moment in which no
   * query or projector batch uses the read model's tables; each try waits briefly and gives way
   * (see giveWayToQueries), and tries go on for up to `giveUpAfterMs`, then ReadModelBusyError.
   */
  async startRebuild(options: { giveUpAfterMs?: number } = {}): Promise<{ version: number; created: boolean }> {
    const limitMs = options.giveUpAfterMs ?? 30_000;
    const giveUpAt = Date.now() + limitMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, async (tx) => {
          await giveWayToQueries(tx);
          await tx.query('LOCK TABLE read_model.versions IN SHARE ROW EXCLUSIVE MODE');
          const building = await tx.query<{ version: number }>("SELECT version FROM read_model.versions WHERE state = 'building'");
          if (building.rows[0]) return { version: building.rows[0].version, created: false };
          const { rows } = await tx.query<{ version: number }>(
            "INSERT INTO read_model.versions (version, state, phase) SELECT coalesce(max(version), 0) + 1, 'building', 'loading' FROM read_model.versions RETURNING version",
          );
          // its own partitions, loaded without indexes (indexed when it has caught up)
          await tx.query('SELECT read_model.create_version_partitions($1)', [rows[0]!.version]);
          await tx.query("SELECT pg_notify('read_model_versions', '')");
          return { version: rows[0]!.version, created: true };
        });
      } catch (error) {
        if (!gaveWay(error)) throw error;
        if (Date.now() >= giveUpAt) {
          throw new ReadModelBusyError(
            `the read model's tables stayed in use (queries or the projector) for ${limitMs} ms, ${attempt} tries: no rebuild was started; try again`,
          );
        }
        // a short, growing, jittered pause: the queries in the way finish within milliseconds
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, 10 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2)));
      }
    }
  }

  /**
   * Makes a building version active if it has applied at least everything the active one has.
   * Both checkpoint rows are locked first, so neither moves while they are compared: queries
   * switch from one complete version to the other, never to a version that is behind.
   */
  tryActivate(version: number): Promise<boolean> {
    return inTransaction(this.pool, async (tx) => {
      const versions = await tx.query<{ version: number; state: VersionState; phase: string }>(
        "SELECT version, state, phase FROM read_model.versions WHERE state IN ('active', 'building') ORDER BY version FOR UPDATE",
      );
      const building = versions.rows.find((v) => v.version === version && v.state === 'building');
      const active = versions.rows.find((v) => v.state === 'active');
      // a rebuilt version is complete once indexed, retractions applied and every pair computed
      if (!building || building.phase !== 'ready') return false;
      if (active) {
        const { rows } = await tx.query<{ ahead: boolean | null }>(
          `SELECT (b.transaction_id, b.position) >= (coalesce(a.transaction_id, '0'::xid8), coalesce(a.position, 0)) AS ahead
             FROM event_store.checkpoints b
             LEFT JOIN (SELECT * FROM event_store.checkpoints WHERE subscription_id = $2 FOR UPDATE) a ON true
            WHERE b.subscription_id = $1
              FOR UPDATE OF b`,
          [subscriptionIdOf(version), subscriptionIdOf(active.version)],
        );
        if (!rows[0]?.ahead) return false;
        await tx.query("UPDATE read_model.versions SET state = 'retired', retired_at = now() WHERE version = $1", [active.version]);
      }
      await tx.query("UPDATE read_model.versions SET state = 'active', activated_at = now() WHERE version = $1", [version]);
      await tx.query("SELECT pg_notify('read_model_versions', '')");
      return true;
    });
  }

  /**
   * Drops a retired version's partitions (instant, no dead rows left for vacuum) and its
   * skipped events. It needs a moment with no query on the read model; it waits briefly for
   * one and gives way (false) rather than make a query wait long or fail (see
   * giveWayToQueries) -- the runner tries again later.
   */
  async purge(version: number): Promise<boolean> {
    try {
      await inTransaction(this.pool, async (tx) => {
        await giveWayToQueries(tx);
        await tx.query('SELECT read_model.drop_version_partitions($1)', [version]);
        await tx.query('DELETE FROM read_model.skipped_events WHERE version = $1', [version]);
      });
      return true;
    } catch (error) {
      if (gaveWay(error)) return false;
      throw error;
    }
  }

  /**
   * The last step of a rebuild, under the version's checkpoint lock (no batch in flight):
   * `finish` completes what batches loaded meanwhile, then the version turns 'ready' and from
   * the next batch on is kept live.
   */
  markReady(version: number, finish: (tx: PoolClient) => Promise<void>): Promise<void> {
    return inTransaction(this.pool, async (tx) => {
      await tx.query('SELECT 1 FROM event_store.checkpoints WHERE subscription_id = $1 FOR UPDATE', [subscriptionIdOf(version)]);
      await finish(tx);
      await tx.query("UPDATE read_model.versions SET phase = 'ready' WHERE version = $1 AND state = 'building'", [version]);
    });
  }

  /**
   * Stored events the active version has not applied yet: "has the read model caught up?". A
   * version without a checkpoint row (its projector has not committed a batch yet) has applied
   * none, and is behind by every stored event. No active version: 0.
   */
  static async activeLag(client: Pool | PoolClient): Promise<number> {
    const { rows } = await client.query<CheckpointRow>(
      `SELECT c.transaction_id::text AS transaction_id, c.position ${FROM_ACTIVE_CHECKPOINT}`,
    );
    const active = rows[0];
    if (!active) return 0;
    return (await eventsAfter(client, checkpointOfRow(active))).events;
  }

  static async activeVersion(client: Pool | PoolClient): Promise<number> {
    const { rows } = await client.query<{ version: number }>("SELECT version FROM read_model.versions WHERE state = 'active'");
    if (!rows[0]) throw new Error('no active read-model version: run the migrations');
    return rows[0].version;
  }
}

/**
 * The stored events after a checkpoint (all of them without one): how many, and the age in
 * seconds of the oldest (0 when none).
 *
 * The checkpoint is written into the statement as literals, so that PostgreSQL plans the count
 * on its value: a version nearly caught up has its few events behind counted through the log's
 * order index (events_global_order), a rebuild that is starting has the whole table read. As a
 * parameter (the pools force generic plans) or taken from a join, the checkpoint is unknown to
 * the planner, which takes a third of the log to follow it: the version list, which /metrics
 * reads at every scrape, read the whole log at every call (320-550 ms at 1,000,000 events,
 * EXPLAIN ANALYZE). Both values come from PostgreSQL's own columns and are checked to be plain
 * numbers before they are written in.
 */
async function eventsAfter(client: Pool | PoolClient, checkpoint: Checkpoint | null): Promise<{ events: number; seconds: number }> {
  const { transactionId, position } = checkpoint ?? { transactionId: '0', position: 0 };
  if (!/^\d{1,20}$/.test(transactionId) || !Number.isSafeInteger(Number(position)) || Number(position) < 0) {
    throw new Error(`not a checkpoint: transaction ${JSON.stringify(transactionId)}, position ${JSON.stringify(position)}`);
  }
  const { rows } = await client.query<{ events: number; seconds: number | null }>(
    `SELECT count(*)::int AS events, extract(epoch FROM now() - min(e.recorded_at))::float8 AS seconds
       FROM event_store.events e
      WHERE (e.transaction_id, e.position) > ('${transactionId}'::xid8, ${Number(position)}::bigint)`,
  );
  return { events: rows[0]!.events, seconds: rows[0]!.seconds ?? 0 };
}
