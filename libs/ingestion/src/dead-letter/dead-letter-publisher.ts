import type { IHeaders, Kafka } from 'kafkajs';
import { ReliableProducer } from '@annals/kafka';
import type { Rejection } from '@annals/contracts';
import { DLQ_HEADERS } from './dead-letter-headers';
import { fitLetter } from './fit-letter';

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders | undefined;
  rejection: Rejection;
}

/**
 * Publishes rejected messages to the dead-letter topic: the original key, value and headers,
 * plus why and where from (a letter larger than the topic takes keeps the beginning of its
 * value: fitLetter). Idempotent producer, acks from all in-sync replicas: once
 * publish() resolves, the dead letter is as durable as the topic allows, and only then
 * may the original's offset be committed.
 */
export class DeadLetterPublisher {
  private readonly producer: ReliableProducer;

  constructor(
    kafka: Kafka,
    private readonly dlqTopic: string,
  ) {
    this.producer = new ReliableProducer(kafka);
  }

  async publish(letters: ReadonlyArray<DeadLetter>): Promise<void> {
    if (letters.length === 0) return;
    const failedAt = new Date().toISOString();
    // a letter the topic would refuse as too large keeps the beginning of its value (fitLetter)
    const maxBytes = await this.producer.maxMessageBytes(this.dlqTopic);
    await this.producer.send(
      this.dlqTopic,
      letters.map((letter) =>
        fitLetter(
          {
            key: letter.key,
            value: letter.value,
            headers: {
              ...(letter.headers ?? {}),
              [DLQ_HEADERS.reason]: letter.rejection.reason,
              [DLQ_HEADERS.detail]: letter.rejection.detail.slice(0, 4000),
              [DLQ_HEADERS.topic]: letter.topic,
              [DLQ_HEADERS.partition]: String(letter.partition),
              [DLQ_HEADERS.offset]: letter.offset,
              [DLQ_HEADERS.failedAt]: failedAt,
            },
          },
          maxBytes,
        ),
      ),
    );
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
