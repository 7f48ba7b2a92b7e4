import { Module, type DynamicModule } from '@nestjs/common';
import { AnnalsMetrics } from './metrics';
import { MetricsServer } from './metrics-server';

/** The process's metrics registry, shared by every module of the app, and its own /metrics and /health where the app has no HTTP API. */
@Module({})
export class ObservabilityModule {
  static forApp(app: string): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      providers: [{ provide: AnnalsMetrics, useFactory: () => new AnnalsMetrics(app) }, MetricsServer],
      exports: [AnnalsMetrics, MetricsServer],
    };
  }
}
