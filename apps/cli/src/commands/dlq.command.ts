import type { Command } from 'commander';
import { REJECTION_REASONS } from '@annals/contracts';
import { createKafka } from '@annals/kafka';
import { readDeadLetters, redriveDeadLetters, type StoredDeadLetter } from '@annals/ingestion';
import { kafkaSettings } from '../cli-settings';
import { formatTable } from '../format-table';
import { UsageError } from '../usage-error';

/** How much of a letter's value `dlq list --json` shows (its full size is given beside it). */
const SHOWN_VALUE_BYTES = 2000;

/** Where a letter's message was refused: its topic, partition and offset. */
const originOf = (l: StoredDeadLetter) => `${l.original.topic}/${l.original.partition}@${l.original.offset}`;

/** What a letter lacks of its message, before its detail in the listing ('' when it holds it whole). */
function partialNote(l: StoredDeadLetter): string {
  const parts = [
    ...(l.valueCutFrom === null ? [] : [`value cut to its first ${l.valueSize} of ${l.valueCutFrom} bytes`]),
    ...(l.dropped.length > 0 ? [`no ${l.dropped.join(' or ')}`] : []),
  ];
  return parts.length > 0 ? `(${parts.join(', ')}) ` : '';
}

export function dlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('the dead-letter topic: what was not accepted, and why');
  const kafkaOptions = (c: Command) =>
    c
      .option('--brokers <list>', 'Kafka brokers (default: $KAFKA_BROKERS or the local stack)')
      .option('--topic <name>', 'the news topic (default: $KAFKA_TOPIC or news-events)')
      .option('--dlq-topic <name>', 'the dead-letter topic (default: $KAFKA_DLQ_TOPIC or news-events.dlq)');

  /** A mistyped reason would match no letter, as if there were none: refused, naming the known ones. */
  const reasonOption = (reason: string | undefined) => {
    if (reason !== undefined && !Object.hasOwn(REJECTION_REASONS, reason)) {
      throw new UsageError(`--reason: ${JSON.stringify(reason)} is not a rejection reason; one of ${Object.keys(REJECTION_REASONS).join(', ')}`);
    }
    return reason;
  };

  kafkaOptions(dlq.command('list'))
    .description('counts by reason, then every dead letter standing with its detail (one refused again after a re-drive is listed once, with how many times it was re-driven)')
    .option('--json', 'one JSON object per dead letter')
    .option('--reason <code>', 'only dead letters with this reason')
    .action(async (options: { brokers?: string; topic?: string; dlqTopic?: string; json?: boolean; reason?: string }) => {
      const reason = reasonOption(options.reason);
      const config = kafkaSettings(options);
      // as much of each value as is shown: a letter holds its whole message, up to 16 MiB
      const letters = (await readDeadLetters(createKafka(config, 'dlq'), config.KAFKA_DLQ_TOPIC, { valueBytes: SHOWN_VALUE_BYTES })).filter((l) => !reason || l.reason === reason);
      if (options.json) {
        for (const l of letters) {
          console.log(
            JSON.stringify({
              reason: l.reason,
              detail: l.detail,
              original: l.original,
              failedAt: l.failedAt,
              redrives: l.redrives,
              key: l.key?.toString('utf8') ?? null,
              value: l.value?.toString('utf8') ?? null,
              valueBytes: l.valueSize,
              valueCutFrom: l.valueCutFrom,
              dropped: l.dropped,
            }),
          );
        }
        return;
      }
      const counts = new Map<string, number>();
      for (const l of letters) counts.set(l.reason, (counts.get(l.reason) ?? 0) + 1);
      console.log(`${letters.length} dead letter(s)${reason ? ` with reason ${reason}` : ''} on ${config.KAFKA_DLQ_TOPIC}`);
      if (letters.length === 0) return;
      console.log(formatTable(['reason', 'count'], [...counts].sort((a, b) => b[1] - a[1]).map(([r, n]) => [r, String(n)])));
      console.log('');
      console.log(
        formatTable(
          ['origin', 'reason', 're-driven', 'detail'],
          letters.map((l) => [originOf(l), l.reason, l.redrives ? `${l.redrives}×` : '', `${partialNote(l)}${l.detail.slice(0, 160)}`]),
        ),
      );
    });

  kafkaOptions(dlq.command('redrive'))
    .description('re-publish dead letters to the news topic after a fix (a second re-drive is harmless: reports are idempotent, and a letter refused again replaces the one it came from)')
    .option('--reason <code>', 'only dead letters with this reason (e.g. unsupported-version)')
    .action(async (options: { brokers?: string; topic?: string; dlqTopic?: string; reason?: string }) => {
      const reason = reasonOption(options.reason);
      const config = kafkaSettings(options);
      const { sent, partial } = await redriveDeadLetters(createKafka(config, 'dlq'), config.KAFKA_DLQ_TOPIC, config.KAFKA_TOPIC, (l) => !reason || l.reason === reason);
      console.log(`re-drove ${sent} dead letter(s)${reason ? ` with reason ${reason}` : ''} to ${config.KAFKA_TOPIC}`);
      if (partial.length > 0) {
        console.log(
          `left ${partial.length} dead letter(s) whose value was cut to fit ${config.KAFKA_DLQ_TOPIC}; the whole messages are on their topic until its retention ends: ${partial.map(originOf).join(', ')}`,
        );
      }
    });
}
