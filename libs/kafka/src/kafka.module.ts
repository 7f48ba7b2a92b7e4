import { Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type KafkaConfig } from '@annals/config';
import { createKafka, WAITS_FOR_BROKERS, type KafkaPatience } from './create-kafka';
import { nestKafkaLogger } from './nest-kafka-logger';

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
          useFactory: (config: KafkaConfig) => createKafka(config, clientId, nestKafkaLogger(), patience),
        },
      ],
      exports: [KAFKA],
    };
  }
}
