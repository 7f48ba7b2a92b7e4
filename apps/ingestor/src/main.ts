import 'reflect-metadata';
import { ConfigError } from '@annals/config';
import { startIngestor } from './bootstrap';

startIngestor().catch((error: unknown) => {
  // A bad setting is the operator's to fix: say which, without a stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
