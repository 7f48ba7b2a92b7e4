import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { loadConfig } from '@annals/config';
import { appLogger } from '@annals/observability';
import { ProjectorModule } from './projector.module';

/** The projector is a worker: an application context with no transport of its own. */
export async function startProjector(env: Record<string, string | undefined> = process.env): Promise<INestApplicationContext> {
  const config = loadConfig('projector', env);
  const app = await NestFactory.createApplicationContext(ProjectorModule.forEnv(env), { logger: appLogger('projector', config), abortOnError: false });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.init();
  return app;
}
