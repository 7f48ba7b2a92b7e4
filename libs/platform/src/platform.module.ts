import { Module, type DynamicModule } from '@nestjs/common';
import { AnnalsConfigModule, type AppName } from '@annals/config';
import { DatabaseModule } from '@annals/database';
import { EventStoreModule } from '@annals/event-store';
import { AnnalsLoggerModule, ObservabilityModule } from '@annals/observability';

/**
 * What every Annals app stands on: its validated configuration, JSON logs, metrics, the
 * PostgreSQL pool and the event store. Apps add their transport and their part of the flow.
 */
@Module({})
export class PlatformModule {
  static forApp(app: AppName, env: Record<string, string | undefined>): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        AnnalsConfigModule.forApp(app, env),
        AnnalsLoggerModule.forApp(app),
        ObservabilityModule.forApp(app),
        DatabaseModule.forRoot(`annals-${app}`),
        EventStoreModule.forRoot(),
      ],
    };
  }
}
