import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { PG_POOL } from '@annals/database';
import { KAFKA } from '@annals/kafka';

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms))]);

/**
 * /health/live: the process answers (restart it when not).
 * /health/ready and /health: PostgreSQL and Kafka reachable (send traffic only when so).
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
    return this.ready();
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.postgres(), () => this.kafkaBroker()]);
  }

  private async postgres() {
    const session = this.indicators.check('postgres');
    try {
      await withTimeout(this.pool.query('SELECT 1'), 2000, 'PostgreSQL');
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  private async kafkaBroker() {
    const session = this.indicators.check('kafka');
    const admin = this.kafka.admin();
    try {
      await withTimeout(admin.connect(), 3000, 'Kafka');
      const cluster = await withTimeout(admin.describeCluster(), 3000, 'Kafka');
      return session.up({ brokers: cluster.brokers.length });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
