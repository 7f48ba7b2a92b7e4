import { Module, type DynamicModule } from '@nestjs/common';
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
            pinoHttp: {
              level: config.LOG_LEVEL,
              base: { app },
              redact: ['req.headers.authorization', 'req.headers.cookie'],
              autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
              customProps: () => ({}),
            },
          }),
        }),
      ],
    };
  }
}
