import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { validateNewsEvent } from '@annals/contracts';
import { reportMessage } from '@annals/domain';
import { formatCheckpoint, isBefore, parseCheckpoint, START, type Checkpoint, type PostgresEventStore } from '@annals/event-store';
import { databaseUrl } from '../cli-settings';
import { openOutputFile } from '../output-file';
import { UsageError } from '../usage-error';
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
    .option('--after <checkpoint>', 'only the reports stored after this checkpoint, which an earlier export printed: the next part of an archive')
    .option('--database-url <url>', 'postgres://user@host:port/database (default: $DATABASE_URL)')
    .action(async (options: { out?: string; recordedAsPublished?: boolean; after?: string; databaseUrl?: string }) => {
      let after = START;
      if (options.after !== undefined) {
        const parsed = parseCheckpoint(options.after);
        if (!parsed.ok) throw new UsageError(`--after: ${parsed.error}`);
        after = parsed.checkpoint;
      }
      const url = databaseUrl(options.databaseUrl);
      const file = options.out === undefined ? undefined : await openOutputFile(options.out, '--out');
      try {
        const { reports, left, end } = await withDatabase(url, async ({ store }) => {
          // the log as it stands when the export starts: reports stored meanwhile go to the next part
          const end = await store.horizon();
          if (isBefore(end, after)) {
            throw new UsageError(`--after: ${formatCheckpoint(after)} is past the log's end (${formatCheckpoint(end)}): a checkpoint of another database, or of this one before a restore?`);
          }
          return { ...(await exportReports(store, file?.stream ?? process.stdout, { after, end, recordedAsPublished: Boolean(options.recordedAsPublished) })), end };
        });
        await file?.commit();
        // on standard error: standard output may be the export itself
        console.error(
          `exported ${reports} report(s) up to checkpoint ${formatCheckpoint(end)}${left ? `; ${left} event(s) are no reports of the contract and were left out` : ''}\n` +
            `  (annals export --after ${formatCheckpoint(end)} writes the reports stored since)`,
        );
      } catch (error) {
        throw (await file?.abandon()) ?? error;
      }
    });
}

/** Writes the reports stored after `after`, up to `end`, to `out`: how many went, and how many events were left out. */
async function exportReports(
  store: PostgresEventStore,
  out: Writable,
  range: { after: Checkpoint; end: Checkpoint; recordedAsPublished: boolean },
): Promise<{ reports: number; left: number }> {
  const write = async (line: string) => {
    // a write that failed (a full disk) stops the export rather than reading on for nothing
    if (out.errored) throw out.errored;
    if (!out.write(line)) await once(out, 'drain');
  };
  let reports = 0;
  let left = 0;
  // in the catch-up readers' order
  for (let after = range.after; isBefore(after, range.end); ) {
    const { events, checkpoint } = await store.readAll(after, PAGE);
    if (events.length === 0) break;
    for (const event of events) {
      if (isBefore(range.end, event)) return { reports, left };
      const message = reportMessage(event.type, event.data, range.recordedAsPublished ? event.recordedAt : undefined);
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
