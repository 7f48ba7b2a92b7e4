export * from './test-servers';
export * from './test-database';
