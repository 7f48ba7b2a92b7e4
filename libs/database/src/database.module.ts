import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { APP_CONFIG, type DatabaseConfig } from '@annals/config';
import { CONNECT_TIMEOUT_MS, createPgPool } from './pg-pool';

export const PG_POOL = Symbol('PG_POOL');

/**
 * The app's database access: one pg pool for the hand-written SQL (global, named after the
 * app in pg_stat_activity, closed at shutdown) and a small TypeORM connection for the
 * entities' simple reads. Migrations are not run here: `npm run migrate` / stack:up do.
 */
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  static forRoot(applicationName: string): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: DatabaseConfig) => ({
            type: 'postgres' as const,
            url: config.DATABASE_URL,
            applicationName: `${applicationName}-typeorm`,
            autoLoadEntities: true,
            synchronize: false,
            migrationsRun: false,
            connectTimeoutMS: CONNECT_TIMEOUT_MS,
            extra: { max: 2, options: `-c idle_in_transaction_session_timeout=${config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS}` },
          }),
        }),
      ],
      providers: [
        {
          provide: PG_POOL,
          useFactory: (config: DatabaseConfig) => createPgPool(config, applicationName),
          inject: [APP_CONFIG],
        },
      ],
      exports: [PG_POOL, TypeOrmModule],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
