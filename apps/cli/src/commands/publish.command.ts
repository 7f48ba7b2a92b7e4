import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { createKafka } from '@annals/kafka';
import { MAX_BATCH_SIZE, NewsPublisher, publishNdjson } from '@annals/publisher';
import { kafkaSettings } from '../cli-settings';
import { fileErrorText } from '../file-error-text';
import { UsageError } from '../usage-error';

export function publishCommand(program: Command): void {
  program
    .command('publish')
    .description('validate an NDJSON file of news events against the contract and publish the valid lines to Kafka')
    .argument('<file>', 'an .ndjson file, or - for standard input')
    .option('--brokers <list>', 'Kafka brokers, host:port,... (default: $KAFKA_BROKERS or the local stack)')
    .option('--topic <name>', 'topic to publish to (default: $KAFKA_TOPIC or news-events)')
    .option('--batch-size <n>', 'messages per send', '500')
    .action(async (file: string, options: { brokers?: string; topic?: string; batchSize: string }) => {
      const batchSize = Number(options.batchSize);
      if (!/^\d+$/.test(options.batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
        throw new UsageError(`--batch-size: must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${JSON.stringify(options.batchSize)}`);
      }
      const config = kafkaSettings(options);
      const input = file === '-' ? process.stdin : await openInput(file);
      const publisher = new NewsPublisher(createKafka(config, 'publisher'), config.KAFKA_TOPIC);
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'publishing |{bar}| {published} published, {invalid} invalid', stream: process.stderr }, Presets.shades_classic) : undefined;
      bar?.start(1, 0, { published: 0, invalid: 0 });
      try {
        const summary = await publishNdjson(input, publisher, {
          batchSize,
          onProgress: (s) => {
            bar?.setTotal(Math.max(1, s.lines));
            bar?.update(s.published + s.invalid.length, { published: s.published, invalid: s.invalid.length });
          },
        });
        bar?.stop();
        console.log(`${summary.published} published to ${config.KAFKA_TOPIC} on ${config.KAFKA_BROKERS.join(',')}, ${summary.invalid.length} invalid (of ${summary.lines} lines)`);
        for (const bad of summary.invalid) console.log(`  line ${bad.line}: ${bad.reason}: ${bad.detail}`);
        if (summary.invalid.length > 0) process.exitCode = 2;
      } finally {
        bar?.stop();
        await publisher.disconnect();
      }
    });
}

/** The file, opened before anything is published; what keeps it from being read is said with its name (Node's EISDIR named no file). */
async function openInput(file: string) {
  const handle = await open(file).catch((error: unknown) => {
    throw new UsageError(`cannot read ${file}: ${fileErrorText(error)}`);
  });
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new UsageError(`${file} is a directory: give an .ndjson file, or - for standard input`);
  }
  return handle.createReadStream();
}
