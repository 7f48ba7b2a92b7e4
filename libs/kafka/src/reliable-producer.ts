import type { Kafka, Message, Producer } from 'kafkajs';

/**
 * The one way Annals produces: an idempotent producer, every send acknowledged by all in-sync
 * replicas, so a retried send is never written twice and an acknowledged one survives the loss
 * of a broker. Connects on first use.
 */
export class ReliableProducer {
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka) {}

  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      this.producer = producer;
    }
    await this.producer.send({ topic, acks: -1, messages });
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect();
  }
}
