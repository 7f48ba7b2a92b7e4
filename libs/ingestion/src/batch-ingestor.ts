import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { KafkaMessage } from 'kafkajs';
import { embargoCheck, parseNewsEvent, type Rejection } from '@annals/contracts';
import { AnnalsMetrics } from '@annals/observability';
import { DeadLetterPublisher, type DeadLetter } from './dead-letter/dead-letter-publisher';
import type { KafkaBatch } from './kafka-batch/kafka-batch';
import { RecordReportCommand } from './record-report/record-report.command';
import type { RecordOutcome } from './report-writer/record-outcome';
import { isTransient } from '@annals/platform';

export interface BatchResult {
  stored: number;
  duplicates: number;
  deadLettered: number;
  /** True when the batch was given up (stopping, or the partition was revoked): its uncommitted rest will be redelivered. */
  abandoned: boolean;
}

/** How a retried piece of work ended: done, given up (not transient), or abandoned (the batch stopped being ours). */
type Attempt<T> = { status: 'done'; value: T } | { status: 'gave-up' } | { status: 'abandoned' };

const CHUNK = 1000;
const NON_TRANSIENT_ATTEMPTS = 3;

/**
 * The ingestor's work on one Kafka batch: validate each message, turn the valid ones into
 * RecordReport commands, dead-letter the rest, and commit the partition's offset only when
 * every message before it is either durably appended or durably dead-lettered.
 *
 * Transient failures (PostgreSQL down) are retried with backoff, heartbeating, and never
 * dead-lettered; the offset is not committed meanwhile. A failure that is not transient is
 * retried a few times, then narrowed down to the message causing it, which alone is
 * dead-lettered as processing-failed: one bad message never blocks the partition.
 */
@Injectable()
export class BatchIngestor {
  private readonly logger = new Logger(BatchIngestor.name);

  constructor(
    private readonly commandBus: CommandBus,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly metrics: AnnalsMetrics,
  ) {}

  async process(batch: KafkaBatch): Promise<BatchResult> {
    const result: BatchResult = { stored: 0, duplicates: 0, deadLettered: 0, abandoned: false };
    for (let start = 0; start < batch.messages.length; start += CHUNK) {
      if (!batch.isActive()) return { ...result, abandoned: true };
      const chunk = batch.messages.slice(start, start + CHUNK);
      const timer = this.metrics.batchSeconds.startTimer();
      const done = await this.processChunk(batch, chunk, result);
      if (!done) return { ...result, abandoned: true };
      const next = (BigInt(chunk[chunk.length - 1]!.offset) + 1n).toString();
      // A failed commit is not retried here: the group's coordinator or this member's place in
      // the group has changed, which only the Kafka client can repair (the transport hands it
      // the error). The batch is abandoned; its stored reports make redelivery a no-op.
      const committed = await batch.commit(next).then(
        () => true,
        () => false,
      );
      timer();
      if (!committed) return { ...result, abandoned: true };
      await batch.heartbeat();
    }
    return result;
  }

  /** Returns false when the chunk was abandoned (nothing of it committed; it will be redelivered). */
  private async processChunk(batch: KafkaBatch, chunk: KafkaMessage[], result: BatchResult): Promise<boolean> {
    const deadLetters: DeadLetter[] = [];
    const commands: Array<{ message: KafkaMessage; command: RecordReportCommand }> = [];
    // (the clock that records the reports: the time an embargo counts from)
    const embargo = embargoCheck(new Date());
    for (const message of chunk) {
      const parsed = parseNewsEvent(message.value);
      const rejection = parsed.ok ? embargo(parsed.event) : parsed.rejection;
      if (rejection) deadLetters.push(this.deadLetter(batch, message, rejection));
      else if (parsed.ok) commands.push({ message, command: new RecordReportCommand(parsed.event, { topic: batch.topic, partition: batch.partition, offset: message.offset }) });
    }

    const outcomes = await this.execute(batch, commands);
    if (!outcomes) return false;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'stored') result.stored++;
      else if (outcome.status === 'duplicate') result.duplicates++;
      else deadLetters.push(this.deadLetter(batch, commands[i]!.message, outcome.rejection));
    });

    const published = await this.retryTransient(batch, 'publish dead letters', () => this.deadLetters.publish(deadLetters));
    if (published.status !== 'done') return false;
    const cut = published.value;
    if (cut.length > 0) {
      this.logger.warn(
        { partition: batch.partition, letters: cut.map((c) => ({ offset: c.offset, kept: c.valueBytes, of: c.cutFrom })), maxMessageBytes: cut[0]!.maxBytes },
        `${cut.length} dead letter(s) kept only the beginning of their message: the dead-letter topic takes smaller messages than ${batch.topic}; raise its max.message.bytes (the whole messages stay on ${batch.topic} until its retention ends)`,
      );
    }
    result.deadLettered += deadLetters.length;
    for (const letter of deadLetters) this.metrics.deadLettered.inc({ reason: letter.rejection.reason });
    this.metrics.messagesIngested.inc({ outcome: 'dead-lettered' }, deadLetters.length);
    this.metrics.messagesIngested.inc({ outcome: 'stored' }, outcomes.filter((o) => o.status === 'stored').length);
    this.metrics.messagesIngested.inc({ outcome: 'duplicate' }, outcomes.filter((o) => o.status === 'duplicate').length);
    return true;
  }

  /** All commands of a chunk, with the retry policy above. Undefined: abandoned. */
  private async execute(batch: KafkaBatch, commands: Array<{ message: KafkaMessage; command: RecordReportCommand }>): Promise<RecordOutcome[] | undefined> {
    let failures = 0;
    const run = await this.retryTransient(batch, 'store reports', () => this.executeAll(commands.map((c) => c.command)), () =>
      ++failures < NON_TRANSIENT_ATTEMPTS ? 'retry' : 'give-up',
    );
    if (run.status === 'abandoned') return undefined;
    if (run.status === 'done') return run.value;
    // A failure that is not transient, again and again: find the message(s) causing it.
    return this.executeOneByOne(batch, commands);
  }

  private async executeOneByOne(batch: KafkaBatch, commands: Array<{ message: KafkaMessage; command: RecordReportCommand }>): Promise<RecordOutcome[] | undefined> {
    const outcomes: RecordOutcome[] = [];
    for (const { message, command } of commands) {
      let failures = 0;
      let lastError: unknown;
      const run = await this.retryTransient(batch, `store report at offset ${message.offset}`, () => this.executeAll([command]), (error) => {
        lastError = error;
        return ++failures < NON_TRANSIENT_ATTEMPTS ? 'retry' : 'give-up';
      });
      if (run.status === 'abandoned') return undefined;
      if (run.status === 'gave-up') {
        const detail = lastError instanceof Error ? lastError.message : String(lastError);
        this.logger.error({ offset: message.offset, partition: batch.partition, err: lastError }, 'dead-lettering a message that fails to store');
        outcomes.push({ status: 'rejected', rejection: { reason: 'processing-failed', detail: detail.slice(0, 1000) } });
      } else {
        outcomes.push(run.value[0]!);
      }
    }
    return outcomes;
  }

  private async executeAll(commands: RecordReportCommand[]): Promise<RecordOutcome[]> {
    // Every command is submitted at once: the ReportWriter groups them per stream into one append each.
    const settled = await Promise.allSettled(commands.map((command) => this.commandBus.execute(command)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.map((s) => (s as PromiseFulfilledResult<RecordOutcome>).value);
  }

  /**
   * Runs `work` until it succeeds. Transient errors: backoff (heartbeating) and retry while the
   * batch is active. Other errors: `onOtherError` decides; without it they propagate.
   */
  private async retryTransient<T>(
    batch: KafkaBatch,
    what: string,
    work: () => Promise<T>,
    onOtherError?: (error: unknown) => 'retry' | 'give-up',
  ): Promise<Attempt<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { status: 'done', value: await work() };
      } catch (error) {
        if (!isTransient(error)) {
          if (!onOtherError) throw error;
          if (onOtherError(error) === 'give-up') return { status: 'gave-up' };
        } else {
          this.metrics.transientFailures.inc();
          this.logger.warn({ err: error, attempt, partition: batch.partition }, `could not ${what}; retrying (nothing is committed meanwhile)`);
        }
        const delay = Math.min(10_000, 200 * 2 ** Math.min(attempt, 6));
        const until = Date.now() + delay;
        while (Date.now() < until) {
          if (!batch.isActive()) return { status: 'abandoned' };
          await batch.heartbeat().catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
        }
        if (!batch.isActive()) return { status: 'abandoned' };
      }
    }
  }

  private deadLetter(batch: KafkaBatch, message: KafkaMessage, rejection: Rejection): DeadLetter {
    return {
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers,
      rejection,
    };
  }
}
