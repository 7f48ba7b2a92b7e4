export * from './metrics';
export * from './logger.module';
export * from './observability.module';
export * from './metrics-server';
export * from './within';
export * from './probe-postgres';
