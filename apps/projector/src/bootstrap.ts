import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { loadConfig } from '@annals/config';
import { appLogger, MetricsServer } from '@annals/observability';
import { closeOnFailedStart } from '@annals/platform';
import { ProjectorLifecycle } from './projector.lifecycle';
import { ProjectorModule } from './projector.module';

/**
 * The projector is a worker: an application context with no transport of its own. Its start
 * steps (the metrics port, then the runner) come after the context is initialized, so that a
 * failed one closes the app (NestFactory.createApplicationContext never hands back an app whose
 * init failed) and a taken METRICS_PORT fails the start before the runner reads anything.
 */
export async function startProjector(env: Record<string, string | undefined> = process.env): Promise<INestApplicationContext> {
  const config = loadConfig('projector', env);
  const app = await NestFactory.createApplicationContext(ProjectorModule.forEnv(env), { logger: appLogger('projector', config), abortOnError: false });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return closeOnFailedStart(app, async () => {
    await app.get(MetricsServer).listen();
    await app.get(ProjectorLifecycle).start();
  });
}
