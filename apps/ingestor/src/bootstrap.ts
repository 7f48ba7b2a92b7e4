import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { loadConfig } from '@annals/config';
import { KafkaBatchServer } from '@annals/ingestion';
import { appLogger, MetricsServer } from '@annals/observability';
import { closeOnFailedStart } from '@annals/platform';
import { IngestorModule } from './ingestor.module';

/** Builds and starts the ingestor for an environment (process.env in production, a test's own in tests). */
export async function startIngestor(env: Record<string, string | undefined> = process.env): Promise<INestMicroservice> {
  const config = loadConfig('ingestor', env);
  const server = new KafkaBatchServer(config);
  const app = await NestFactory.createMicroservice(IngestorModule.forEnv(env), {
    strategy: server,
    logger: appLogger('ingestor', config),
    // a failed start rejects (runApp says why in one line), rather than Nest exiting the process
    abortOnError: false,
  });
  app.get(MetricsServer).setReadiness(() => server.readiness());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return closeOnFailedStart(app, async () => {
    await app.get(MetricsServer).listen();
    await app.listen();
  });
}
