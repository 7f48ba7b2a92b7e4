import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom, isObservable } from 'rxjs';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { IngestorConfig } from '@annals/config';
import type { ReadinessResult } from '@annals/observability';
import { createKafka, ensureTopics, nestKafkaLogger } from '@annals/kafka';
import { NEWS_EVENTS_BATCH, type KafkaBatch } from './kafka-batch';

/** The consumer's state while it is in its group: the one state that is ready. */
const CONSUMING = 'consuming';

/**
 * A NestJS transport strategy that consumes Kafka in batches (kafkajs eachBatch) and hands
 * each partition's batch to the handler of @EventPattern(NEWS_EVENTS_BATCH). Offsets are
 * committed by the handler, through KafkaBatch.commit, once its work is durable -- never
 * by kafkajs on its own (autoCommit off). Nest's built-in Kafka server consumes message by
 * message and commits before the handler's database work, which is why this exists.
 */
export class KafkaBatchServer extends Server implements CustomTransportStrategy {
  /** A batch whose handler fails is not marked done: kafkajs retries it (nothing is committed). */
  override readonly propagatesEventHandlerErrors = true;
  private readonly log = new Logger(KafkaBatchServer.name);
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;
  private stopping = false;
  /** The consumer as kafkajs last reported it, for the ingestor's /health/ready. */
  private consumerState: { state: string; partitions: number } = { state: 'starting', partitions: 0 };

  constructor(private readonly config: IngestorConfig) {
    super();
    // its own client, logging as the app's others do: without a logger, kafkajs' reports of a
    // broker lost, a consumer crashed and restarted, a rebalance failing went nowhere
    this.kafka = createKafka(config, 'ingestor', nestKafkaLogger());
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const created = await ensureTopics(this.kafka, this.config);
      if (created.length) this.log.log(`created topics ${created.join(', ')}`);
      const consumer = this.kafka.consumer({
        groupId: this.config.KAFKA_GROUP_ID,
        sessionTimeout: this.config.KAFKA_SESSION_TIMEOUT_MS,
        heartbeatInterval: Math.min(3_000, Math.floor(this.config.KAFKA_SESSION_TIMEOUT_MS / 3)),
        maxWaitTimeInMs: 100,
        maxBytesPerPartition: 4 * 1024 * 1024,
        allowAutoTopicCreation: false,
        retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
      });
      this.consumer = consumer;
      this.watch(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: [this.config.KAFKA_TOPIC], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 4,
        eachBatch: (payload) => this.handleBatch(payload),
      });
      this.log.log(`consuming ${this.config.KAFKA_TOPIC} as group ${this.config.KAFKA_GROUP_ID}`);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const handler = this.getHandlerByPattern(NEWS_EVENTS_BATCH);
    if (!handler) throw new Error(`no handler for ${NEWS_EVENTS_BATCH}: register @EventPattern(NEWS_EVENTS_BATCH)`);
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    // The Kafka client's own error from a failed commit (coordinator moved, member evicted,
    // generation changed). Nest's exception layer would turn it into a generic error; it is
    // handed back to kafkajs as it was, so that kafkajs finds the new coordinator and rejoins.
    let commitError: unknown;
    const kafkaBatch: KafkaBatch = {
      topic: batch.topic,
      partition: batch.partition,
      messages: batch.messages,
      heartbeat: () => payload.heartbeat(),
      isActive: () => !this.stopping && commitError === undefined && payload.isRunning() && !payload.isStale(),
      commit: async (offset) => {
        try {
          await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }] });
        } catch (error) {
          commitError ??= error;
          throw error;
        }
        payload.resolveOffset((BigInt(offset) - 1n).toString());
      },
    };
    try {
      const result = await handler(kafkaBatch);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } catch (error) {
      throw commitError ?? error;
    }
    if (commitError !== undefined) {
      this.log.warn(`partition ${batch.partition}: handing a commit failure back to the Kafka client to rejoin; the uncommitted rest is redelivered`);
      throw commitError;
    }
  }

  /**
   * Ready: the consumer is in its group with its assignment (possibly no partition: more
   * ingestors than partitions). Not ready while it starts, after a crash until kafkajs has
   * restarted it and it has joined again (a Kafka outage), or once stopped.
   */
  readiness(): ReadinessResult {
    const { state, partitions } = this.consumerState;
    return { ready: state === CONSUMING, detail: { consumer: state, group: this.config.KAFKA_GROUP_ID, partitions } };
  }

  private watch(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = Object.values(payload.memberAssignment).reduce((n, assigned) => n + assigned.length, 0);
      this.consumerState = { state: CONSUMING, partitions };
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.consumerState = { state: `crashed${payload.restart ? ', restarting' : ''}: ${payload.error.message}`, partitions: 0 };
    });
    consumer.on(consumer.events.STOP, () => {
      this.consumerState = { state: 'stopped', partitions: 0 };
    });
  }

  /** Graceful shutdown: the batch in flight finishes its chunk or is abandoned uncommitted. */
  async close(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }

  on(): never {
    throw new Error('KafkaBatchServer has no events to subscribe to');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('not listening yet');
    return this.consumer as T;
  }
}
