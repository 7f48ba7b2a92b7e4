import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { inTransaction } from '@annals/database';
import { Subscription, type PostgresEventStore } from '@annals/event-store';
import type { AnnalsMetrics } from '@annals/observability';
import { CoalitionMembershipProjection } from './coalition-membership/coalition-membership.projection';
import { ProjectionVersions, subscriptionIdOf } from './projection-versions';
import type { Pair } from './coalition-membership/coalition-membership.projection';
import type { SkippedEvent } from './coalition-membership/read-facts';
import { isRepeatedReportId, skipRepeatedReportIds } from './coalition-membership/skipped-events';
import { DEFAULT_CACHED_VALUES, PairCache, RESTING_BATCHES } from './coalition-membership/pair-cache';

/**
 * Events per batch at most (a subscription hands over fewer when fewer are there, so this only
 * shapes catching up). A pair that several events of a batch touch is recomputed, and its rows
 * rewritten, once per batch. Measured catching up 50,000 reports on a read model of 40,000
 * (interleaved, 2 rounds): 1,000 10.3-10.6k events/s, 2,000 10.9-11.1k, 3,000 11.4-11.5k,
 * 5,000 11.3k; at 3,000 the projector and PostgreSQL each used 7-10% less CPU than at 1,000.
 */
export const DEFAULT_PROJECTOR_BATCH_SIZE = 3000;

export interface ProjectorRunnerOptions {
  /** DEFAULT_PROJECTOR_BATCH_SIZE when not given. */
  batchSize?: number;
  /** How often the runner looks for new, switched or retired versions. */
  pollIntervalMs?: number;
  /** The subscriptions' fallback poll when no NOTIFY comes. */
  subscriptionPollMs?: number;
  onBatch?: (version: number, events: number) => void;
  /** Where the projector counts its batches (annals_projection_*): the projector app's registry. */
  metrics?: AnnalsMetrics;
  /** Facts and membership rows kept in memory per live version (PairCache); DEFAULT_CACHED_VALUES when not given, 0 for none. */
  cacheSize?: number;
}

/**
 * Keeps every live read-model version fed: one exclusive subscription per active or building
 * version (several projector processes may run; each version is worked by one at a time and
 * taken over when its worker dies), switches a building version in once it has caught up,
 * and purges retired versions.
 */
export class ProjectorRunner {
  private readonly log = new Logger(ProjectorRunner.name);
  private readonly subscriptions = new Map<number, Subscription>();
  /** Facts applied per version since its statistics were last refreshed, and the total then. */
  private readonly sinceAnalyze = new Map<number, { added: number; total: number }>();
  /** Retired versions whose partitions this process still has to drop. */
  private readonly purging = new Set<number>();
  /** While the runner finishes a loading version: the pairs batches touched meanwhile, to compute at the end. */
  private readonly finishing = new Map<number, Map<string, Pair>>();
  /** When each version's batch in progress started (performance.now()), for annals_projection_batch_seconds. */
  private readonly batchStarted = new Map<number, number>();
  /** Versions whose last batch failed on a report id they hold already (isRepeatedReportId): their next batch looks its report ids up first. */
  private readonly versionsToCheckReportIds = new Set<number>();
  /** Per live version, the facts and rows of the pairs its batches recomputed (PairCache). */
  private readonly caches = new Map<number, PairCache>();
  private readonly projection = new CoalitionMembershipProjection();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
    private readonly versions: ProjectionVersions,
    private readonly options: ProjectorRunnerOptions = {},
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
    this.subscriptions.clear();
  }

  /** Versions this process runs a subscription for, and their states. */
  running(): Array<{ version: number; state: string }> {
    return [...this.subscriptions.entries()].map(([version, s]) => ({ version, state: s.status().state }));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.log.warn({ err: error }, 'projector tick failed; retrying'))
        .finally(() => this.schedule());
    }, this.options.pollIntervalMs ?? 500);
  }

  private async tick(): Promise<void> {
    for (const { version, state, phase } of await this.versions.states()) {
      const running = this.subscriptions.get(version);
      if (state === 'retired') {
        if (running) {
          await running.stop();
          this.subscriptions.delete(version);
          this.caches.delete(version);
          this.options.metrics?.projectionCacheValues.remove({ projection: subscriptionIdOf(version) });
          this.purging.add(version);
        }
        // a few seconds after the switch, no query still reads the retired version
        if (this.purging.has(version) && (await this.versions.purge(version))) {
          this.purging.delete(version);
          this.log.log(`read model v${version} retired and dropped`);
        }
        continue;
      }
      if (!running) this.startSubscription(version);
      if (state !== 'building' || this.subscriptions.get(version)?.status().state !== 'live') continue;
      // a rebuilt version has caught up with the store
      if (phase === 'loading') await this.finishLoading(version);
      if (await this.versions.tryActivate(version)) this.log.log(`read model v${version} caught up and is now active`);
    }
  }

  /**
   * Completes a version loaded without indexes: index it, apply every retraction, compute every
   * pair once (in slices, each its own transaction), then -- under the checkpoint lock -- the
   * pairs and retractions that batches loaded meanwhile, and mark it ready.
   */
  private async finishLoading(version: number): Promise<void> {
    const started = Date.now();
    this.finishing.set(version, new Map());
    // computeAll and the retractions below write the version outside its batches
    this.clearCache(version);
    try {
      await this.indexFacts(version);
      await inTransaction(this.pool, (tx) => this.projection.applyAllRetractions(tx, version));
      const pairs = await this.projection.computeAll(this.pool, version);
      await this.pool.query("SELECT read_model.index_version_partitions($1, ARRAY['membership'])", [version]);
      await this.versions.markReady(version, async (tx) => {
        const late = new Map(this.finishing.get(version));
        for (const pair of await this.projection.applyAllRetractions(tx, version)) late.set(pair.join('\u0000'), pair);
        await this.projection.recompute([...late.values()], tx, version);
      });
      this.log.log(`read model v${version}: computed ${pairs} pairs and indexed in ${Date.now() - started} ms`);
    } finally {
      this.finishing.delete(version);
    }
  }

  /**
   * Indexes a loaded version's facts. A report id loaded twice (isRepeatedReportId) makes the
   * unique index fail: the repeats are skipped (skipRepeatedReportIds) and the index built again.
   */
  private async indexFacts(version: number): Promise<void> {
    const index = () => this.pool.query("SELECT read_model.index_version_partitions($1, ARRAY['facts', 'coalitions'])", [version]);
    try {
      await index();
    } catch (error) {
      if (!isRepeatedReportId(error)) throw error;
      this.logSkipped(version, await inTransaction(this.pool, (tx) => skipRepeatedReportIds(tx, version)));
      await index();
    }
  }

  private logSkipped(version: number, skipped: ReadonlyArray<SkippedEvent>): void {
    for (const event of skipped) {
      this.log.error({ version, position: event.position, streamId: event.streamId, type: event.type, reason: event.reason }, `read model v${version} skipped event ${event.position}: ${event.reason}`);
    }
  }

  /**
   * A live partition that doubled since it was last analyzed is analyzed now: with estimates
   * from when it was small, the planner would scan it whole at every batch. The sample is coarse
   * (migration 1764300016000): autovacuum's ANALYZE refines it later. (Loading versions are not
   * counted: see the handler.)
   */
  private async refreshStatistics(version: number): Promise<void> {
    const stats = this.sinceAnalyze.get(version);
    if (!stats || stats.added < Math.max(2000, stats.total)) return;
    stats.total += stats.added;
    stats.added = 0;
    await this.pool.query('SELECT read_model.analyze_version_partitions($1)', [version]).catch(() => undefined);
  }

  /**
   * Whether the pool can lend a batch another connection for its reads (readPairsBeside) now.
   * A batch holds its own until those reads are done: with none to spare, reading beside it
   * would wait for a connection that batches, listeners and locks all keep, so it reads on its own.
   */
  private spareConnection(): boolean {
    return this.pool.idleCount > 0 || this.pool.totalCount < (this.pool.options.max ?? 10);
  }

  private startSubscription(version: number): void {
    const batchSize = this.options.batchSize ?? DEFAULT_PROJECTOR_BATCH_SIZE;
    const subscription = new Subscription(this.pool, this.store, {
      subscriptionId: subscriptionIdOf(version),
      exclusive: true,
      batchSize,
      pollIntervalMs: this.options.subscriptionPollMs ?? 1000,
      // the projection reads each report's payload and when it was recorded, nothing of its envelope
      read: 'cores',
      handler: async (events, tx, from) => {
        this.batchStarted.set(version, performance.now());
        // the phase is read under the checkpoint lock: markReady cannot switch it mid-batch
        const { rows } = await tx.query<{ phase: string }>('SELECT phase FROM read_model.versions WHERE version = $1', [version]);
        const mode = rows[0]?.phase === 'loading' ? 'loading' : 'live';
        const kept = mode === 'live' ? this.cacheOf(version) : undefined;
        // a cache that rests (PairCache.takeForBatch) is left out of the batch, as if there were none
        const cache = kept?.takeForBatch() ? kept : undefined;
        if (cache) cache.begin(from);
        else this.clearCache(version);
        const { pairs: touched, skipped } = await this.projection.apply(events, tx, version, mode, {
          readsBeside: this.spareConnection() ? this.pool : undefined,
          checkReportIds: this.versionsToCheckReportIds.has(version),
          cache,
        });
        this.logSkipped(version, skipped);
        // A loading version's partitions are only appended to, unindexed: statistics would plan
        // nothing meanwhile, and index_version_partitions analyzes them once at the end.
        if (mode === 'live') {
          const stats = this.sinceAnalyze.get(version) ?? { added: 0, total: 0 };
          stats.added += events.length;
          this.sinceAnalyze.set(version, stats);
        }
        const finishing = this.finishing.get(version);
        if (mode === 'loading' && finishing) for (const pair of touched) finishing.set(pair.join('\u0000'), pair);
      },
      onBatch: ({ events, checkpoint }) => {
        const heldShare = this.caches.get(version)?.commit(checkpoint);
        if (heldShare !== undefined) {
          this.log.log(
            `read model v${version}: the pair cache, full, held ${Math.round(heldShare * 100)}% of the pairs its last batches looked up; ` +
              `the next ${RESTING_BATCHES} batches run without it (PROJECTOR_CACHE_SIZE, docs/operations.md)`,
          );
        }
        this.versionsToCheckReportIds.delete(version);
        this.countBatch(version, events);
        this.countCache(version);
        this.options.onBatch?.(version, events);
        void this.refreshStatistics(version);
      },
      onError: (error, attempt) => {
        // the batch's transaction rolled back, or its commit's fate is unknown
        this.clearCache(version);
        if (isRepeatedReportId(error)) this.versionsToCheckReportIds.add(version);
        this.options.metrics?.projectionBatchFailures.inc({ projection: subscriptionIdOf(version) });
        this.log.warn({ err: error, attempt, version }, 'projection batch failed; retrying');
      },
    });
    subscription.start();
    this.subscriptions.set(version, subscription);
  }

  /** The version's PairCache; none when the options ask for none. */
  private cacheOf(version: number): PairCache | undefined {
    const capacity = this.options.cacheSize ?? DEFAULT_CACHED_VALUES;
    if (capacity <= 0) return undefined;
    let cache = this.caches.get(version);
    if (!cache) this.caches.set(version, (cache = new PairCache(capacity)));
    return cache;
  }

  /** Forgets what the projector holds of the version's pairs, and says so on the gauge. */
  private clearCache(version: number): void {
    const cache = this.caches.get(version);
    if (!cache) return;
    cache.clear();
    this.options.metrics?.projectionCacheValues.set({ projection: subscriptionIdOf(version) }, 0);
  }

  /** What a committed batch found in the cache, and what the cache holds after it. */
  private countCache(version: number): void {
    const metrics = this.options.metrics;
    const cache = this.caches.get(version);
    if (!metrics || !cache) return;
    const projection = subscriptionIdOf(version);
    const { held, missed } = cache.takeLookups();
    metrics.projectionCacheLookups.inc({ projection, outcome: 'held' }, held);
    metrics.projectionCacheLookups.inc({ projection, outcome: 'missed' }, missed);
    metrics.projectionCacheValues.set({ projection }, cache.size.values);
  }

  private countBatch(version: number, events: number): void {
    const metrics = this.options.metrics;
    const started = this.batchStarted.get(version);
    if (!metrics) return;
    // a version's metrics are labelled with its subscription id, as the api's lag metrics are
    const projection = subscriptionIdOf(version);
    metrics.projectionEventsApplied.inc({ projection }, events);
    if (started !== undefined) metrics.projectionBatchSeconds.observe({ projection }, (performance.now() - started) / 1000);
  }
}
