import { ConfigResourceTypes, Partitioners, type Admin, type Kafka, type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import { fetchTopicMetadata } from './cluster-metadata';
import { isUnknownTopic, MissingTopicError } from './missing-topic-error';
import { BATCH_OVERHEAD, recordBatches } from './record-batches';

/** Kafka's default max.message.bytes: the limit assumed when the topic's own cannot be read (no DescribeConfigs permission). */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Broker errors that mean the producer's idempotence state is out of step with the partition's leader. */
const IDEMPOTENCE_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** A send refused for the producer's idempotence state; the producer was replaced, and a retry goes through the new one. */
export class ProducerReplacedError extends Error {
  override readonly name = 'ProducerReplacedError';
  /** Retry: callers that tell transient failures apart (as kafkajs marks its own) retry with backoff. */
  readonly retriable = true;
  constructor(
    readonly brokerError: string,
    override readonly cause?: unknown,
  ) {
    super(`Kafka refused a send for the producer's idempotence state (${brokerError}); the producer was replaced, retry the send`);
  }
}

/**
 * The one way Annals produces: an idempotent producer, every send acknowledged by all in-sync
 * replicas, so a retried send is never written twice and an acknowledged one survives the loss
 * of a broker. Connects on first use.
 *
 * Each send carries one partition's messages. kafkajs 2.2.4 retries a multi-partition send by
 * leader broker and skips brokers that answered the first attempt: a partition whose leadership
 * moved to such a broker meanwhile is never sent, yet the send resolves (seen in the three-broker
 * chaos test: a whole batch's share of two partitions missing from the topic). With one partition
 * per send, a retry always goes to the partition's new leader. Partitions are chosen with kafkajs'
 * default (Java-compatible murmur2) partitioner, as a plain send would.
 */
export class ReliableProducer {
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly partitions = new Map<string, PartitionMetadata[]>();
  private readonly maxBatchBytes = new Map<string, number>();
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(private readonly kafka: Kafka) {}

  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connected();
    const byPartition = new Map<number, Message[]>();
    const partitionMetadata = await this.partitionsOf(topic);
    for (const message of messages) {
      const partition = message.partition ?? this.partitioner({ topic, partitionMetadata, message });
      const group = byPartition.get(partition) ?? [];
      group.push({ ...message, partition });
      byPartition.set(partition, group);
    }
    const maxBytes = await this.maxBatchBytesOf(topic);
    await Promise.all(
      [...byPartition].map(async ([partition, messagesOfPartition]) => {
        // in order, one batch at a time (the idempotent producer keeps them in that order)
        for (const group of recordBatches(messagesOfPartition, maxBytes)) {
          const acknowledged = await producer.send({ topic, acks: -1, messages: group }).catch((error: unknown) => {
            throw this.afterFailedSend(producer, error);
          });
          // what a silent skip would look like: resolved, but no acknowledgement for the partition
          if (!acknowledged.some((r) => r.partition === partition && r.errorCode === 0)) {
            throw new Error(`Kafka acknowledged no write of ${group.length} message(s) to ${topic}[${partition}]; they were not stored`);
          }
        }
      }),
    );
  }

  /**
   * A send the broker refused for the producer's idempotence state (its sequence numbers or
   * its id): kafkajs 2.2.4 keeps that producer's state and fails every later send the same way.
   * Seen in the three-broker chaos test after a leader was killed: OUT_OF_ORDER_SEQUENCE_NUMBER
   * on every retry until the test timed out. The producer is replaced (a new id, sequences from
   * zero) and the error comes back retriable: the refused messages were not written, and the
   * caller's retry sends them once through the new producer.
   */
  private afterFailedSend(producer: Producer, error: unknown): unknown {
    const type = (error as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !IDEMPOTENCE_STATE_ERRORS.has(type)) return error;
    if (this.producer === producer) {
      this.producer = undefined;
      producer.disconnect().catch(() => undefined);
    }
    return new ProducerReplacedError(type, error);
  }

  async disconnect(): Promise<void> {
    const [producer, admin] = [this.producer, this.admin];
    this.producer = undefined;
    this.admin = undefined;
    await producer?.disconnect();
    await admin?.disconnect();
  }

  private async connected(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  /**
   * The largest message a send to `topic` can carry, as recordBytes counts it: the topic's
   * max.message.bytes (Kafka's default when it cannot be read) less a record batch's own header.
   * A larger one is refused by Kafka as MESSAGE_TOO_LARGE, whatever the retries.
   */
  async maxMessageBytes(topic: string): Promise<number> {
    return (await this.maxBatchBytesOf(topic)) - BATCH_OVERHEAD;
  }

  /** The largest record batch the topic takes (its max.message.bytes), looked up once. */
  private async maxBatchBytesOf(topic: string): Promise<number> {
    const known = this.maxBatchBytes.get(topic);
    if (known !== undefined) return known;
    const admin = await this.connectedAdmin();
    let value = Number.NaN;
    try {
      const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }], includeSynonyms: false });
      value = Number(described.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
    } catch {
      // not allowed to read it: Kafka's default, smaller than what Annals gives its topics
    }
    const maxBytes = Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_BYTES;
    this.maxBatchBytes.set(topic, maxBytes);
    return maxBytes;
  }

  /** The topic's partitions, looked up once: Annals never shrinks a topic, and a grown one is picked up on restart. */
  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const known = this.partitions.get(topic);
    if (known) return known;
    const { topics } = await fetchTopicMetadata(await this.connectedAdmin(), [topic]).catch((error: unknown) => {
      if (isUnknownTopic(error)) throw new MissingTopicError(topic, "Annals' producers never create topics (the ingestors create theirs when they start)");
      throw error;
    });
    const partitions = topics[0]!.partitions;
    this.partitions.set(topic, partitions);
    return partitions;
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}
