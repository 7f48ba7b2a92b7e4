import { Logger } from '@nestjs/common';
import type { KafkaLogger } from './create-kafka';

/** kafkajs' log lines in the app's log (context "kafkajs"), for the clients of a Nest app. */
export function nestKafkaLogger(): KafkaLogger {
  const logger = new Logger('kafkajs');
  return {
    error: (obj, msg) => logger.error(obj, msg),
    warn: (obj, msg) => logger.warn(obj, msg),
    info: (obj, msg) => logger.log(obj, msg),
    debug: (obj, msg) => logger.debug(obj, msg),
  };
}
