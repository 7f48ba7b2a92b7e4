import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@annals/config';
import { KafkaBatchServer } from '@annals/ingestion';
import { IngestorModule } from './ingestor.module';

/** Builds and starts the ingestor for an environment (process.env in production, a test's own in tests). */
export async function startIngestor(env: Record<string, string | undefined> = process.env): Promise<INestMicroservice> {
  const config = loadConfig('ingestor', env);
  const app = await NestFactory.createMicroservice(IngestorModule.forEnv(env), {
    strategy: new KafkaBatchServer(config),
    bufferLogs: true,
    // a failed start rejects (runApp says why in one line), rather than Nest exiting the process
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen();
  return app;
}
