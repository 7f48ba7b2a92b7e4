import 'reflect-metadata';
import { ConfigError } from '@annals/config';
import { startProjector } from './bootstrap';

startProjector().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
