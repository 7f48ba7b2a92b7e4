import { z } from 'zod';
import { apiSettingsOnly, checkKafka, consumerSettings, databaseSettings, httpSettings, kafkaSettings, loggingSettings, metricsSettings, projectorSettingsOnly } from './settings';

/** The settings each deployable reads. docker-compose.yml is checked against these (tests/unit/compose). */
export const ingestorSettings = loggingSettings
  .extend(metricsSettings.shape)
  .extend(databaseSettings.shape)
  .extend(kafkaSettings.shape)
  .extend(consumerSettings.shape)
  .superRefine(checkKafka);

export const projectorSettings = loggingSettings.extend(metricsSettings.shape).extend(databaseSettings.shape).extend(projectorSettingsOnly.shape);

export const apiSettings = loggingSettings
  .extend(databaseSettings.shape)
  .extend(kafkaSettings.shape)
  // the ingestors' group, whose lag /metrics reports
  .extend(consumerSettings.pick({ KAFKA_GROUP_ID: true }).shape)
  .extend(httpSettings.shape)
  .extend(apiSettingsOnly.shape)
  .superRefine(checkKafka);

/** For tools that talk to Kafka or PostgreSQL only (the CLI). */
export const kafkaClientSettings = kafkaSettings.superRefine(checkKafka);
export const databaseClientSettings = databaseSettings;

export const appSettings = {
  ingestor: ingestorSettings,
  projector: projectorSettings,
  api: apiSettings,
} as const;

export type AppName = keyof typeof appSettings;
export type IngestorConfig = z.output<typeof ingestorSettings>;
export type ProjectorConfig = z.output<typeof projectorSettings>;
export type ApiConfig = z.output<typeof apiSettings>;
export type DatabaseConfig = z.output<typeof databaseSettings>;
export type KafkaConfig = z.output<typeof kafkaSettings>;
export type LoggingConfig = z.output<typeof loggingSettings>;
export type MetricsConfig = z.output<typeof metricsSettings>;
export type ConfigOf<A extends AppName> = z.output<(typeof appSettings)[A]>;

/** The names of the settings an app reads, for tooling that checks deployment files. */
export function settingNames(app: AppName): string[] {
  const schema = appSettings[app];
  // superRefine wraps the object in a pipe in zod 4; unwrap to reach its shape.
  const object = ('shape' in schema ? schema : (schema as unknown as { in: z.ZodObject }).in) as z.ZodObject;
  return Object.keys(object.shape);
}
