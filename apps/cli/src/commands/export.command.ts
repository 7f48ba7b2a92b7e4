import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { validateNewsEvent } from '@annals/contracts';
import { reportMessage } from '@annals/domain';
import { START } from '@annals/event-store';
import { databaseUrl } from '../cli-settings';
import { withDatabase } from '../with-database';

const PAGE = 5000;

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description("write every stored report as the contract's NDJSON, in the log's order: an archive that outlives Kafka's retention, or the input of annals publish into another deployment")
    .option('--out <file>', 'write to this file (default: standard output)')
    .option(
      '--recorded-as-published',
      'give a report without publishedAt the time Annals recorded it, so that a new deployment keeps its knowledge time (the deployment it came from would refuse such a report as an id conflict)',
    )
    .option('--database-url <url>', 'postgres://user@host:port/database (default: $DATABASE_URL)')
    .action(async (options: { out?: string; recordedAsPublished?: boolean; databaseUrl?: string }) => {
      await withDatabase(databaseUrl(options.databaseUrl), async ({ store }) => {
        const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
        const write = async (line: string) => {
          if (!out.write(line)) await once(out, 'drain');
        };
        let reports = 0;
        let left = 0;
        // in the catch-up readers' order, up to the horizon (what was committed when it got there)
        for (let after = START; ; ) {
          const { events, checkpoint } = await store.readAll(after, PAGE);
          if (events.length === 0) break;
          for (const event of events) {
            const message = reportMessage(event.type, event.data, options.recordedAsPublished ? event.recordedAt : undefined);
            // an event no report made (another writer's) is no message of the contract: left out, counted
            if (!message || !validateNewsEvent(message).ok) {
              left++;
              continue;
            }
            await write(`${JSON.stringify(message)}\n`);
            reports++;
          }
          after = checkpoint;
        }
        if (out !== process.stdout) {
          out.end();
          await once(out, 'finish');
        }
        // the count goes to standard error: standard output may be the export itself
        console.error(`exported ${reports} report(s)${left ? `; ${left} event(s) are no reports of the contract and were left out` : ''}`);
      });
    });
}
