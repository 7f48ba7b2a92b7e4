import 'reflect-metadata';
import { ConfigError } from '@annals/config';
import { startApi } from './bootstrap';

startApi().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
