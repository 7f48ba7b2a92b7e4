import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { APP_CONFIG, type DatabaseConfig } from '@annals/config';
import { createPgPool } from './pg-pool';

export const PG_POOL = Symbol('PG_POOL');

/** The app's one pg pool (global), named after the app in pg_stat_activity, closed at shutdown. */
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  static forRoot(applicationName: string): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: PG_POOL,
          useFactory: (config: DatabaseConfig) => createPgPool(config, applicationName),
          inject: [APP_CONFIG],
        },
      ],
      exports: [PG_POOL],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
