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

/** A letter published with only the beginning of its message's value: where the message is, what was kept of how much, and the topic's limit. */
export interface CutLetter {
  topic: string;
  partition: number;
  offset: string;
  valueBytes: number;
  cutFrom: number;
  maxBytes: number;
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

  /** Publishes the letters; returns those cut to fit the topic (fitLetter), for the caller to report. */
  async publish(letters: ReadonlyArray<DeadLetter>): Promise<CutLetter[]> {
    if (letters.length === 0) return [];
    const failedAt = new Date().toISOString();
    // a letter the topic would refuse as too large keeps the beginning of its value (fitLetter)
    const maxBytes = await this.producer.maxMessageBytes(this.dlqTopic);
    const whole = letters.map((letter) => ({
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
    }));
    const sent = whole.map((letter) => fitLetter(letter, maxBytes));
    await this.producer.send(this.dlqTopic, sent);
    // (fitLetter returns a letter that fits as it is)
    return letters.flatMap((letter, i) =>
      sent[i] === whole[i]
        ? []
        : [{ topic: letter.topic, partition: letter.partition, offset: letter.offset, valueBytes: (sent[i]!.value as Buffer | null)?.length ?? 0, cutFrom: letter.value?.length ?? 0, maxBytes }],
    );
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
