import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { migrations } from './migrations';

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
    extra: { max: options.poolSize ?? 4 },
  });
}
