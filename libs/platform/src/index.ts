export * from './platform.module';
export * from './transient-error';
