import type { Kafka, Message } from 'kafkajs';
import { ReliableProducer } from '@annals/kafka';

/** Publishes news-event messages to one topic (idempotent, acks from all in-sync replicas). */
export class NewsPublisher {
  private readonly producer: ReliableProducer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = new ReliableProducer(kafka);
  }

  send(messages: Message[]): Promise<void> {
    return this.producer.send(this.topic, messages);
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
