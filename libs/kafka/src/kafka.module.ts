import { Module, type DynamicModule } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { APP_CONFIG, type KafkaConfig } from '@annals/config';
import { createKafka, WAITS_FOR_BROKERS, type KafkaPatience } from './create-kafka';

export const KAFKA = Symbol('KAFKA');

/** The app's kafkajs client, configured from the validated settings; `patience`: how long it waits for brokers (create-kafka). */
@Module({})
export class KafkaModule {
  static forApp(clientId: string, patience: KafkaPatience = WAITS_FOR_BROKERS): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        {
          provide: KAFKA,
          inject: [APP_CONFIG],
          useFactory: (config: KafkaConfig) => {
            const logger = new Logger('kafkajs');
            return createKafka(config, clientId, {
              error: (obj, msg) => logger.error(obj, msg),
              warn: (obj, msg) => logger.warn(obj, msg),
              info: (obj, msg) => logger.log(obj, msg),
              debug: (obj, msg) => logger.debug(obj, msg),
            }, patience);
          },
        },
      ],
      exports: [KAFKA],
    };
  }
}
