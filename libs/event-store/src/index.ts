export * from './errors';
export * from './events';
export * from './expected-version';
export * from './postgres-event-store';
export * from './subscription';
export * from './aggregate-loader';
export * from './upcasting/event-type-registry';
export * from './event-store.module';
