import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { loadConfig } from './load-config';
import type { AppName } from './app-settings';

/** The typed, validated configuration of the running app (inject with @Inject(APP_CONFIG)). */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Wraps @nestjs/config so that every app validates its environment once, at start,
 * and fails with a message that names each missing or malformed setting.
 */
@Module({})
export class AnnalsConfigModule {
  static forApp(app: AppName, env: Record<string, string | undefined> = process.env): DynamicModule {
    const config = loadConfig(app, env);
    return {
      module: AnnalsConfigModule,
      global: true,
      // ConfigService serves the validated values too (configService.get('DATABASE_URL')).
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => config as Record<string, unknown>] })],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
