import type { Command } from 'commander';
import { formatAnchor, parseAnchor, type LogAnchor } from '@annals/event-store';
import { databaseUrl } from '../cli-settings';
import { formatTable } from '../format-table';
import { UsageError } from '../usage-error';
import { withDatabase } from '../with-database';

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      "walk every stream's hash chain and exit 1 naming the first broken link if the log was altered; print the log's anchor, and with --anchor check the log against one printed before",
    )
    .option('--anchor <anchor>', 'an anchor an earlier annals verify printed: the log up to it must be as it was then')
    .option('--database-url <url>', 'postgres://user@host:port/database (default: $DATABASE_URL)')
    .action(async (options: { anchor?: string; databaseUrl?: string }) => {
      let kept: LogAnchor | undefined;
      if (options.anchor !== undefined) {
        const parsed = parseAnchor(options.anchor);
        if (!parsed.ok) throw new UsageError(`--anchor: ${parsed.error}`);
        kept = parsed.anchor;
      }
      await withDatabase(databaseUrl(options.databaseUrl), async ({ store }) => {
        const started = Date.now();
        // one snapshot: the anchor printed covers only events whose chains were checked (PostgresEventStore.audit)
        const { problems, events, streams, anchor, atKept: now } = await store.audit(kept);
        // The chains prove the log consistent with itself; only an anchor kept elsewhere tells a
        // stream's last events, or a whole stream, removed with its head moved back.
        const anchorBroken = kept && now && (now.events !== kept.events || now.digest !== kept.digest);
        if (problems.length > 0) {
          const first = problems[0]!;
          console.log(`ALTERED: first broken link at position ${first.position ?? '-'} (stream ${first.streamId}, version ${first.streamVersion}): ${first.problem}`);
          console.log(formatTable(['position', 'stream', 'version', 'problem'], problems.slice(0, 50).map((p) => [String(p.position ?? '-'), p.streamId, String(p.streamVersion), p.problem])));
        }
        if (kept && now) {
          console.log(
            anchorBroken
              ? `ALTERED: the log up to the anchor (transaction ${kept.transactionId}, position ${kept.position}) is not what it was: ${kept.events} events then, ${now.events} now${now.events === kept.events ? ', and their digest differs' : ''}`
              : `the log up to the anchor (transaction ${kept.transactionId}, position ${kept.position}) is as it was: ${kept.events} events, the same digest`,
          );
        }
        if (problems.length > 0 || anchorBroken) {
          process.exitCode = 1;
          return;
        }
        console.log(`intact: ${events} events in ${streams} streams verified in ${Date.now() - started} ms`);
        console.log(
          anchor
            ? `anchor: ${formatAnchor(anchor)}\n  (keep it outside this database; annals verify --anchor <it> checks that the log up to here is unchanged)`
            : 'anchor: none yet (no event is committed below the horizon)',
        );
      });
    });
}
