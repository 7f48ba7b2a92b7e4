import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import helmet from 'helmet';
import { json, static as serveStatic, type NextFunction, type Request, type Response } from 'express';
import { loadConfig } from '@annals/config';
import { openApiDocument } from '@annals/contracts';
import { appLogger } from '@annals/observability';
import { closeOnFailedStart } from '@annals/platform';
import { ApiModule } from './api.module';
import { ApiExceptionFilter } from './http/api-exception.filter';

/** Builds and starts the HTTP API for an environment; resolves once it listens. */
export async function startApi(env: Record<string, string | undefined> = process.env): Promise<NestExpressApplication> {
  const config = loadConfig('api', env);
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forEnv(env), {
    logger: appLogger('api', config),
    bodyParser: false,
    abortOnError: false,
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        // the docs UI and the timeline page are served from here, with no CDN
        directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] },
      },
    }),
  );
  app.use(json({ limit: '16kb' }));
  app.set('trust proxy', 'loopback');
  app.useGlobalFilters(new ApiExceptionFilter());
  // The timeline page and its charting library, served from here: no CDN, it works offline.
  // The page's files are looked up by name: a static handler at the root would look for a file
  // (a stat) on every API request before passing it on.
  const web = join(__dirname, '..', 'web');
  const page = serveStatic(web, { index: 'index.html', maxAge: '5m' });
  const pageFiles = new Set(['/', ...readdirSync(web).map((file) => `/${file}`)]);
  app.use((req: Request, res: Response, next: NextFunction) => (pageFiles.has(req.path) ? page(req, res, next) : next()));
  app.useStaticAssets(dirname(require.resolve('echarts')), { prefix: '/assets/', maxAge: '1d' });
  SwaggerModule.setup('docs', app, openApiDocument() as unknown as OpenAPIObject, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'Annals API',
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return closeOnFailedStart(app, () => app.listen(config.PORT, config.HOST));
}
