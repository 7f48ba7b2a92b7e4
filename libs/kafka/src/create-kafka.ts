import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '@annals/config';
// every client made here gets kafkajs' broker connect repaired (see the module)
import './half-connected-broker-repair';

export interface KafkaLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

// kafkajs 2 warns once per process that its default partitioner changed in 2.0; Annals was born after.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/**
 * Warnings kafkajs repeats that say nothing to an operator of Annals: the dead-letter producer
 * bounds its retries on purpose (the ingestor retries around it, heartbeating, and dead letters
 * are deduplicated by their origin), and a coordinator still loading answers the next retry.
 */
const BENIGN = [/Limiting retries for the idempotent producer/, /coordinator is loading/i];

/** How long a client waits for brokers that do not answer before it gives up. */
export interface KafkaPatience {
  connectionTimeout: number;
  retry: RetryOptions;
}

/** The apps that move messages: they wait out a broker's restart or a leader election (about 30 s of retries). */
export const WAITS_FOR_BROKERS: KafkaPatience = { connectionTimeout: 5_000, retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 } };

/**
 * A client that only looks at Kafka (the api's health check and its /metrics): one attempt, 2 s
 * to connect. A probe or a scrape must say "Kafka is down" before its prober gives up on it,
 * and the next one tries again; with the retries above, a scrape took 22 s while Kafka was down.
 */
export const LOOKS_ONCE: KafkaPatience = { connectionTimeout: 2_000, retry: { retries: 0 } };

/** A kafkajs client from the validated settings: brokers, client id, TLS and SASL. */
export function createKafka(config: KafkaConfig, clientId: string, logger?: KafkaLogger, patience: KafkaPatience = WAITS_FOR_BROKERS): Kafka {
  const options: KafkaJsConfig = {
    clientId: `${config.KAFKA_CLIENT_ID}-${clientId}`,
    brokers: config.KAFKA_BROKERS,
    ssl: config.KAFKA_SSL,
    connectionTimeout: patience.connectionTimeout,
    requestTimeout: 30_000,
    retry: patience.retry,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      if (!logger) return;
      const { message, ...rest } = entry.log;
      if (BENIGN.some((pattern) => pattern.test(message) || pattern.test(String(rest.error ?? '')))) return;
      const fields = { kafka: entry.namespace, ...rest };
      if (entry.level === logLevel.ERROR) logger.error(fields, message);
      else if (entry.level === logLevel.WARN) logger.warn(fields, message);
      else if (entry.level === logLevel.INFO) logger.info(fields, message);
      else logger.debug(fields, message);
    },
  };
  if (config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD) {
    options.sasl = {
      mechanism: config.KAFKA_SASL_MECHANISM,
      username: config.KAFKA_SASL_USERNAME,
      password: config.KAFKA_SASL_PASSWORD,
    } as SASLOptions;
  }
  return new Kafka(options);
}
