import { z } from 'zod';

/**
 * Every environment variable Annals reads, as zod schemas grouped by concern.
 * Each app composes the groups it needs (see app-settings.ts), so a projector
 * never fails to start over a Kafka setting it does not use.
 */

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const brokerList = z
  .string({ error: 'is required (comma-separated host:port list, e.g. 127.0.0.1:9092)' })
  .trim()
  .min(1, 'is required (comma-separated host:port list, e.g. 127.0.0.1:9092)')
  .transform((value) => value.split(',').map((b) => b.trim()).filter((b) => b.length > 0))
  .refine((brokers) => brokers.length > 0 && brokers.every((b) => hostPort.test(b)), {
    message: 'must be a comma-separated list of host:port (e.g. 127.0.0.1:9092)',
  });

const postgresUrl = z
  .string({ error: 'is required (postgres://user:password@host:port/database)' })
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1;
    } catch {
      return false;
    }
  }, 'must be a URL like postgres://user:password@host:port/database');

const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name: 1-249 characters of A-Z a-z 0-9 . _ -');

/** A whole number from an environment string; "abc" is refused as not an integer, not as NaN. */
const integer = () => z.coerce.number({ error: 'must be an integer' }).int('must be an integer');

const positiveInt = (max: number) => integer().min(1, 'must be at least 1').max(max, `must be at most ${max}`);

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const loggingSettings = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

export const databaseSettings = z.object({
  DATABASE_URL: postgresUrl,
  /** Connections per process; each in-flight append or projection batch holds one. */
  DATABASE_POOL_SIZE: positiveInt(200).default(10),
  /**
   * A session idle inside a transaction holds back every catch-up reader (see
   * docs/decisions/0003-global-order.md); PostgreSQL ends it after this long.
   */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt(3_600_000).default(30_000),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(3_600_000).default(60_000),
});

export const kafkaSettings = z.object({
  KAFKA_BROKERS: brokerList,
  KAFKA_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 characters of A-Z a-z 0-9 . _ -').default('annals'),
  KAFKA_TOPIC: topicName.default('news-events'),
  KAFKA_DLQ_TOPIC: topicName.default('news-events.dlq'),
  KAFKA_SSL: booleanFlag.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], { error: 'must be plain, scram-sha-256 or scram-sha-512' }).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1, 'must not be empty').optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1, 'must not be empty').optional(),
  /** Used when Annals creates its topics (they are left alone when they exist). */
  KAFKA_TOPIC_PARTITIONS: positiveInt(1000).default(6),
  KAFKA_REPLICATION_FACTOR: positiveInt(10).default(1),
});

export const consumerSettings = z.object({
  KAFKA_GROUP_ID: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1-249 characters of A-Z a-z 0-9 . _ -').default('annals-ingestor'),
  /**
   * How long the group waits for a silent instance before giving its partitions to the others:
   * the recovery time after an ingestor dies. The broker accepts 6000-300000 by default.
   */
  KAFKA_SESSION_TIMEOUT_MS: integer().min(6000, 'must be at least 6000 (the broker\'s group.min.session.timeout.ms)').max(300_000, 'must be at most 300000').default(30_000),
});

const tcpPort = integer().min(1, 'must be a TCP port (1-65535)').max(65535, 'must be a TCP port (1-65535)');

export const httpSettings = z.object({
  PORT: tcpPort.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  ANNALS_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters (admin endpoints are disabled when it is unset)').optional(),
});

export const apiSettingsOnly = z.object({
  /**
   * The most membership facts of the active read model the api keeps a copy of in memory, to
   * answer coalition states from (CoalitionStates, libs/queries); 0 keeps none, and every state
   * comes from PostgreSQL. About 200 MB of memory per million (docs/operations.md).
   */
  API_STATE_COPY_MAX_FACTS: integer().min(0, 'must be at least 0 (0 keeps no copy)').max(50_000_000, 'must be at most 50000000').default(2_000_000),
});

export const projectorSettingsOnly = z.object({
  /**
   * Facts and membership rows the projector keeps in memory per live read-model version, so that
   * a batch reads back from PostgreSQL only the pairs it has not seen (PairCache); 0 keeps none.
   * About 110 MB of heap at the default (50,000 pairs of 3 facts and 2 rows each, measured).
   * The default is the projector runner's own (DEFAULT_CACHED_VALUES, libs/projections), which
   * config cannot import: tests/unit/config/load-config.spec.ts fails when the two differ.
   */
  PROJECTOR_CACHE_SIZE: integer().min(0, 'must be at least 0 (0 keeps none)').max(20_000_000, 'must be at most 20000000').default(250_000),
});

/** The ingestor and projector serve no HTTP API: their own metrics get a port of their own, when set. */
export const metricsSettings = z.object({
  METRICS_PORT: tcpPort.optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

/** Kafka SASL settings come as a set: a mechanism without credentials is a mistake, not a default. */
export function checkSasl(value: { KAFKA_SASL_MECHANISM?: string; KAFKA_SASL_USERNAME?: string; KAFKA_SASL_PASSWORD?: string }, ctx: z.RefinementCtx): void {
  const given = [value.KAFKA_SASL_MECHANISM, value.KAFKA_SASL_USERNAME, value.KAFKA_SASL_PASSWORD].filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) {
    for (const key of ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (value[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'is required when any KAFKA_SASL_* setting is set' });
      }
    }
  }
}

/**
 * The dead-letter topic is not the news topic: an ingestor would dead-letter a refused message
 * into its own input, read it again, refuse it again, and so on, the topic growing for ever.
 */
export function checkTopics(value: { KAFKA_TOPIC?: string; KAFKA_DLQ_TOPIC?: string }, ctx: z.RefinementCtx): void {
  if (value.KAFKA_TOPIC !== undefined && value.KAFKA_TOPIC === value.KAFKA_DLQ_TOPIC) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_DLQ_TOPIC'], message: `must differ from KAFKA_TOPIC (${value.KAFKA_TOPIC}): refused messages would come back as input, again and again` });
  }
}

/** The checks of Kafka settings that span several of them. */
export function checkKafka(value: z.output<typeof kafkaSettings>, ctx: z.RefinementCtx): void {
  checkSasl(value, ctx);
  checkTopics(value, ctx);
}
