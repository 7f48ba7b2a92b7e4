export * from './test-servers';
export * from './test-database';
export * from './eventually';
export * from './kafka-helpers';
export * from './rng';
export * from './free-port';
