export * from './create-kafka';
export * from './ensure-topics';
export * from './create-topics-with-leaders';
export * from './kafka.module';
export * from './reliable-producer';
export * from './consumer-lag';
export * from './read-topic-to-end';
export * from './nest-kafka-logger';
