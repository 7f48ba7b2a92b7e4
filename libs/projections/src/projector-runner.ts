import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { Subscription, type PostgresEventStore } from '@annals/event-store';
import { CoalitionMembershipProjection } from './coalition-membership/coalition-membership.projection';
import { ProjectionVersions, subscriptionIdOf } from './projection-versions';

export interface ProjectorRunnerOptions {
  batchSize?: number;
  /** How often the runner looks for new, switched or retired versions. */
  pollIntervalMs?: number;
  /** The subscriptions' fallback poll when no NOTIFY comes. */
  subscriptionPollMs?: number;
  onBatch?: (version: number, events: number) => void;
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
    for (const { version, state } of await this.versions.states()) {
      const running = this.subscriptions.get(version);
      if (state === 'retired') {
        if (running) {
          await running.stop();
          this.subscriptions.delete(version);
          this.log.log(`read model v${version} retired; purging its rows`);
          await this.versions.purge(version);
        }
        continue;
      }
      if (!running) this.startSubscription(version);
      if (state === 'building' && this.subscriptions.get(version)?.status().state === 'live') {
        if (await this.versions.tryActivate(version)) this.log.log(`read model v${version} caught up and is now active`);
      }
    }
  }

  private startSubscription(version: number): void {
    const subscription = new Subscription(this.pool, this.store, {
      subscriptionId: subscriptionIdOf(version),
      exclusive: true,
      batchSize: this.options.batchSize ?? 1000,
      pollIntervalMs: this.options.subscriptionPollMs ?? 1000,
      handler: async (events, tx) => {
        await this.projection.apply(events, tx, version);
      },
      onBatch: ({ events }) => this.options.onBatch?.(version, events),
      onError: (error, attempt) => this.log.warn({ err: error, attempt, version }, 'projection batch failed; retrying'),
    });
    subscription.start();
    this.subscriptions.set(version, subscription);
  }
}
