import { Module, type DynamicModule } from '@nestjs/common';
import { AnnalsMetrics } from './metrics';

/** The process's metrics registry, shared by every module of the app. */
@Module({})
export class ObservabilityModule {
  static forApp(app: string): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      providers: [{ provide: AnnalsMetrics, useFactory: () => new AnnalsMetrics(app) }],
      exports: [AnnalsMetrics],
    };
  }
}
