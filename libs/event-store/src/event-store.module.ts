import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@annals/database/database.module';
import { PostgresEventStore } from './postgres-event-store';
import { EventTypeRegistry } from './upcasting/event-type-registry';

export const EVENT_TYPE_REGISTRY = Symbol('EVENT_TYPE_REGISTRY');

/** Provides the PostgresEventStore over the app's pool (DatabaseModule.forRoot), with the event types the app registers. */
@Module({})
export class EventStoreModule {
  static forRoot(registry: EventTypeRegistry = new EventTypeRegistry()): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [
        { provide: EVENT_TYPE_REGISTRY, useValue: registry },
        { provide: PostgresEventStore, useFactory: (pool: Pool) => new PostgresEventStore(pool, registry), inject: [PG_POOL] },
      ],
      exports: [PostgresEventStore, EVENT_TYPE_REGISTRY],
    };
  }
}
