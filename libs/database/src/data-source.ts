import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { migrations } from './migrations';
import { CONNECT_TIMEOUT_MS } from './pg-pool';

export interface DataSourceOptions {
  url: string;
  applicationName: string;
  entities?: MixedList<Function | string | EntitySchema>;
  poolSize?: number;
}

/**
 * TypeORM owns migrations and the simple reads (docs/decisions/0005-sql-ownership.md).
 * `synchronize` stays off: the schema changes only through migrations.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName,
    entities: options.entities ?? [],
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    extra: { max: options.poolSize ?? 4 },
  });
}
