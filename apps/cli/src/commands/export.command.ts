import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { validateNewsEvent } from '@annals/contracts';
import { reportMessage } from '@annals/domain';
import { START, type PostgresEventStore } from '@annals/event-store';
import { databaseUrl } from '../cli-settings';
import { openOutputFile } from '../output-file';
import { withDatabase } from '../with-database';

const PAGE = 5000;

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description("write every stored report as the contract's NDJSON, in the log's order: an archive that outlives Kafka's retention, or the input of annals publish into another deployment")
    .option('--out <file>', 'write to this file, in place of what it held once the export is complete (default: standard output)')
    .option(
      '--recorded-as-published',
      'give a report without publishedAt the time Annals recorded it, so that a new deployment keeps its knowledge time (the deployment it came from would refuse such a report as an id conflict)',
    )
    .option('--database-url <url>', 'postgres://user@host:port/database (default: $DATABASE_URL)')
    .action(async (options: { out?: string; recordedAsPublished?: boolean; databaseUrl?: string }) => {
      const url = databaseUrl(options.databaseUrl);
      const file = options.out === undefined ? undefined : await openOutputFile(options.out, '--out');
      try {
        const { reports, left } = await withDatabase(url, async ({ store }) => exportReports(store, file?.stream ?? process.stdout, Boolean(options.recordedAsPublished)));
        await file?.commit();
        // on standard error: standard output may be the export itself
        console.error(`exported ${reports} report(s)${left ? `; ${left} event(s) are no reports of the contract and were left out` : ''}`);
      } catch (error) {
        throw (await file?.abandon()) ?? error;
      }
    });
}

/** Writes the reports to `out`: how many went, and how many events were left out. */
async function exportReports(store: PostgresEventStore, out: Writable, recordedAsPublished: boolean): Promise<{ reports: number; left: number }> {
  const write = async (line: string) => {
    // a write that failed (a full disk) stops the export rather than reading on for nothing
    if (out.errored) throw out.errored;
    if (!out.write(line)) await once(out, 'drain');
  };
  let reports = 0;
  let left = 0;
  // in the catch-up readers' order, up to the horizon (what was committed when it got there)
  for (let after = START; ; ) {
    const { events, checkpoint } = await store.readAll(after, PAGE);
    if (events.length === 0) break;
    for (const event of events) {
      const message = reportMessage(event.type, event.data, recordedAsPublished ? event.recordedAt : undefined);
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
  return { reports, left };
}
