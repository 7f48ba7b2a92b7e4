import { Module, RequestMethod, type DynamicModule, type LoggerService } from '@nestjs/common';
import { Logger, LoggerModule, PinoLogger, type Params } from 'nestjs-pino';
import { APP_CONFIG, type LoggingConfig } from '@annals/config';

/** The logger's settings, for the module and for the logger an app starts with (appLogger). */
function loggerParams(app: string, config: LoggingConfig): Params {
  return {
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
  };
}

/**
 * The logger an app hands Nest when it builds it (`logger`), so that the app logs as JSON from
 * its first line. Nest otherwise buffers what is logged until the app is built and its own
 * logger is in place, and builds it only once PostgreSQL has answered: a start that waited for
 * an unreachable server (TypeORM's retries, 30 s; the ingestor's brokers) printed nothing while it
 * waited, then every retry at once, as Nest's plain text. It writes to the same pino logger as
 * the module's (nestjs-pino keeps one per process).
 */
export function appLogger(app: string, config: LoggingConfig): LoggerService {
  const params = loggerParams(app, config);
  return new Logger(new PinoLogger(params), params);
}

/**
 * Structured JSON logs (pino) for every app: one line per event, with the app's name,
 * request ids on HTTP requests, and no secrets (authorization headers are redacted).
 */
@Module({})
export class AnnalsLoggerModule {
  static forApp(app: string): DynamicModule {
    return {
      module: AnnalsLoggerModule,
      imports: [LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (config: LoggingConfig) => loggerParams(app, config) })],
    };
  }
}
