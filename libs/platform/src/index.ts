export * from './platform.module';
export * from './transient-error';
export * from './server-error';
export * from './run-app';
export * from './close-on-failed-start';
