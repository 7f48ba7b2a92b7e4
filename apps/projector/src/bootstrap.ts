import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { ProjectorModule } from './projector.module';

/** The projector is a worker: an application context with no transport of its own. */
export async function startProjector(env: Record<string, string | undefined> = process.env): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(ProjectorModule.forEnv(env), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.init();
  return app;
}
