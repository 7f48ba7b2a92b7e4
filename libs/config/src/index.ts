export * from './settings';
export * from './app-settings';
export * from './load-config';
export * from './config.module';
