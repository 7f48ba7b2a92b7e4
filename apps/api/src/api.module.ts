import { Logger, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Pool } from 'pg';
import { PG_POOL } from '@annals/database';
import { PostgresEventStore } from '@annals/event-store';
import { KafkaModule, LOOKS_ONCE } from '@annals/kafka';
import { PlatformModule } from '@annals/platform';
import { ProjectionsModule } from '@annals/projections';
import { APP_CONFIG, type ApiConfig } from '@annals/config';
import { AnnalsMetrics } from '@annals/observability';
import { CoalitionQueries, CoalitionStates } from '@annals/queries';
import { AdminController } from './admin/admin.controller';
import { AdminTokenGuard } from './admin/admin-token.guard';
import { CoalitionsController } from './coalitions/coalitions.controller';
import { HealthController } from './health/health.controller';
import { HttpMetricsInterceptor } from './metrics/http-metrics.interceptor';
import { MetricsController } from './metrics/metrics.controller';

/** Wiring only: HTTP in, libs/queries over the read models, admin, health and metrics. */
@Module({})
export class ApiModule {
  static forEnv(env: Record<string, string | undefined>) {
    return {
      module: ApiModule,
      imports: [
        PlatformModule.forApp('api', env),
        // the api only looks at Kafka (health, metrics); its queries need PostgreSQL alone
        KafkaModule.forApp('api', LOOKS_ONCE),
        ProjectionsModule,
        TerminusModule.forRoot({ logger: false }),
        ThrottlerModule.forRoot([{ ttl: 60_000, limit: 10_000 }]),
      ],
      controllers: [CoalitionsController, HealthController, AdminController, MetricsController],
      providers: [
        { provide: CoalitionQueries, inject: [PG_POOL, PostgresEventStore], useFactory: (pool: Pool, store: PostgresEventStore) => new CoalitionQueries(pool, store) },
        {
          provide: CoalitionStates,
          inject: [PG_POOL, CoalitionQueries, APP_CONFIG, AnnalsMetrics],
          useFactory: (pool: Pool, queries: CoalitionQueries, config: ApiConfig, metrics: AnnalsMetrics) =>
            new CoalitionStates(pool, queries, {
              maxFacts: config.API_STATE_COPY_MAX_FACTS,
              logger: new Logger('state-copy'),
              metrics: { answered: (from) => metrics.stateAnswers.inc({ from }), held: (facts, bytes) => (metrics.stateCopyFacts.set(facts), metrics.stateCopyBytes.set(bytes)) },
            }),
        },
        AdminTokenGuard,
        { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
      ],
    };
  }
}
