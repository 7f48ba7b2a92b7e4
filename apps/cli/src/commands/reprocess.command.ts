import type { Command } from 'commander';
import { parseInstant } from '@annals/contracts';
import { createKafka, rewindConsumerGroup } from '@annals/kafka';
import { consumerGroup, kafkaSettings } from '../cli-settings';
import { formatTable } from '../format-table';
import { UsageError } from '../usage-error';

export function reprocessCommand(program: Command): void {
  program
    .command('reprocess')
    .description(
      "rewind the ingestors' consumer group on the news topic, so that they read it again when they start (reports already stored are no-ops); run it while no ingestor runs",
    )
    .option('--since <time>', 'only from the first message Kafka stamped at or after this time (YYYY-MM-DD or RFC 3339; default: the topic\'s first message)')
    .option('--brokers <list>', 'Kafka brokers (default: $KAFKA_BROKERS or the local stack)')
    .option('--topic <name>', 'the news topic (default: $KAFKA_TOPIC or news-events)')
    .option('--group <id>', "the ingestors' consumer group (default: $KAFKA_GROUP_ID or annals-ingestor)")
    .action(async (options: { since?: string; brokers?: string; topic?: string; group?: string }) => {
      let since: Date | undefined;
      if (options.since !== undefined) {
        const parsed = parseInstant(options.since);
        if (!parsed.ok) throw new UsageError(`--since: ${parsed.error}`);
        since = new Date(parsed.iso);
        // Kafka stamps messages as they come: none is stamped later than now (a mistyped year?)
        if (since.getTime() > Date.now()) throw new UsageError(`--since: ${since.toISOString()} is in the future: no message was stamped since then`);
      }
      const config = kafkaSettings(options);
      const groupId = consumerGroup(options.group);
      const admin = createKafka(config, 'reprocess').admin();
      await admin.connect();
      try {
        const partitions = await rewindConsumerGroup(admin, { groupId, topic: config.KAFKA_TOPIC, since });
        // from where each partition now starts: messages the group had not read yet count too
        const total = partitions.reduce((sum, p) => sum + (p.end - p.to), 0);
        console.log(`rewound consumer group ${groupId} on ${config.KAFKA_TOPIC} to ${since ? `the first messages since ${since.toISOString()}` : 'the first messages'}:`);
        console.log(
          formatTable(
            ['partition', 'was at', 'now at', 'end', 'to read again'],
            partitions.map((p) => [String(p.partition), p.committed === null ? '-' : String(p.committed), String(p.to), String(p.end), String(p.end - p.to)]),
          ),
        );
        const kept = partitions.filter((p) => p.kept).length;
        if (kept > 0) console.log(`${kept} partition(s) left where they were: the group had not read up to --since there yet (reading again never skips a message)`);
        console.log(`${total} message(s) to read again when the ingestors start: reports already stored are no-ops (their ids), the others are stored`);
      } finally {
        await admin.disconnect();
      }
    });
}
