export * from './data-source';
export * from './migrations';
export * from './run-migrations';
export * from './pg-pool';
export * from './database.module';
export * from './in-transaction';
export * from './drop-database';
export * from './array-literal';
