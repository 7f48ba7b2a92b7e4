import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@annals/database';
import { MetricsServer, probePostgres } from '@annals/observability';
import { ProjectorRunner } from '@annals/projections';

/**
 * Feeds the read models once the bootstrap starts it (`start`, after the app is initialized:
 * see startProjector); stops after the batch in flight on shutdown. Ready (METRICS_PORT's
 * /health/ready) while PostgreSQL answers, with the versions this process works.
 */
@Injectable()
export class ProjectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly runner: ProjectorRunner,
    private readonly health: MetricsServer,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** The readiness check only, so that it is in place before the metrics port answers. */
  onApplicationBootstrap(): void {
    this.health.setReadiness(async () => {
      const versions = this.runner.running();
      try {
        await probePostgres(this.pool);
        return { ready: true, detail: { postgres: 'up', versions } };
      } catch (error) {
        return { ready: false, detail: { postgres: `down: ${(error as Error).message}`, versions } };
      }
    });
  }

  async start(): Promise<void> {
    await this.runner.start();
  }

  /** (A runner never started stops at once.) */
  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
