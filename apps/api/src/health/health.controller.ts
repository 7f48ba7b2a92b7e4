import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { PG_POOL } from '@annals/database';
import { KAFKA } from '@annals/kafka';
import { probePostgres, within } from '@annals/observability';

/**
 * /health/live: the process answers (restart it when not).
 * /health/ready: it can answer queries, i.e. PostgreSQL answers (send traffic only when so).
 * Every query is answered from PostgreSQL: a Kafka outage stops ingestion, not the answers,
 * so it must not take the api out of a load balancer.
 * /health: everything the api looks at, PostgreSQL and Kafka (for dashboards and alerts).
 * A 503 says which is down and why (terminus' body: `error.kafka.message`).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA) private readonly kafka: Kafka,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.postgres(), () => this.kafkaBroker()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.postgres()]);
  }

  private async postgres() {
    const session = this.indicators.check('postgres');
    try {
      await probePostgres(this.pool);
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  private async kafkaBroker() {
    const session = this.indicators.check('kafka');
    const admin = this.kafka.admin();
    try {
      await within(admin.connect(), 3000, 'Kafka');
      const cluster = await within(admin.describeCluster(), 3000, 'Kafka');
      return session.up({ brokers: cluster.brokers.length });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
