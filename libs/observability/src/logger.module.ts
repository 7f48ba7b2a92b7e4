import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type LoggingConfig } from '@annals/config';

/**
 * Structured JSON logs (pino) for every app: one line per event, with the app's name,
 * request ids on HTTP requests, and no secrets (authorization headers are redacted).
 */
@Module({})
export class AnnalsLoggerModule {
  static forApp(app: string): DynamicModule {
    return {
      module: AnnalsLoggerModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: LoggingConfig) => ({
            // The hot read-only questions get no per-request log (their latency and status are in
            // /metrics); admin calls and everything else are logged with a request id.
            exclude: [
              { method: RequestMethod.GET, path: 'coalitions/*path' },
              { method: RequestMethod.GET, path: 'countries/*path' },
              { method: RequestMethod.GET, path: 'health/*path' },
              { method: RequestMethod.GET, path: 'metrics' },
            ],
            pinoHttp: {
              level: config.LOG_LEVEL,
              base: { app },
              redact: ['req.headers.authorization', 'req.headers.cookie'],
              customProps: () => ({}),
            },
          }),
        }),
      ],
    };
  }
}
