import type { Command } from 'commander';
import { httpAdmin } from '@annals/contracts';
import { COALITION_MEMBERSHIP } from '@annals/projections';
import { databaseUrl } from '../cli-settings';
import { formatTable } from '../format-table';
import { optionsError, UsageError } from '../usage-error';
import { withDatabase } from '../with-database';

/** The options as the admin API's parameters, checked by the same schemas; an error names the option. */
function skippedOptions(options: { skipped: string; after?: string; limit?: string }) {
  const version = httpAdmin.versionPath.safeParse({ version: options.skipped });
  if (!version.success) throw optionsError(version.error, { version: 'skipped' });
  const page = httpAdmin.skippedEventsQuery.safeParse(Object.fromEntries(Object.entries({ after: options.after, limit: options.limit }).filter(([, v]) => v !== undefined)));
  if (!page.success) throw optionsError(page.error);
  return { version: version.data.version, ...page.data };
}

export function projectionsCommand(program: Command): void {
  program
    .command('projections')
    .description("the read model's versions (state, checkpoint, lag, reports skipped); with --skipped, the reports a version skipped and why")
    .option('--skipped <version>', 'list the reports this version could not read, by position')
    .option('--after <position>', 'with --skipped: start after this position (the last one of the previous page)')
    .option('--limit <n>', 'with --skipped: at most this many (1 to 1000; default 100)')
    .option('--database-url <url>', 'postgres://user@host:port/database (default: $DATABASE_URL)')
    .action(async (options: { skipped?: string; after?: string; limit?: string; databaseUrl?: string }) => {
      if (options.skipped === undefined && (options.after !== undefined || options.limit !== undefined)) throw new UsageError('--after and --limit go with --skipped <version>');
      const page = options.skipped === undefined ? undefined : skippedOptions({ ...options, skipped: options.skipped });
      await withDatabase(databaseUrl(options.databaseUrl), async ({ versions }) => {
        if (!page) {
          const rows = (await versions.list()).map((v) => [`v${v.version}`, v.state, String(v.checkpoint?.position ?? ''), String(v.lagEvents), v.lagSeconds.toFixed(1), String(v.skippedEvents)]);
          console.log(`${COALITION_MEMBERSHIP}:`);
          console.log(formatTable(['version', 'state', 'checkpoint', 'lag (events)', 'lag (s)', 'skipped'], rows));
          return;
        }
        const skipped = await versions.skippedEvents(page.version, page.after, page.limit);
        if (!skipped) throw new UsageError(`no read-model version ${page.version}`);
        console.log(`${COALITION_MEMBERSHIP} v${page.version}: ${skipped.items.length} report(s) skipped${page.after > 0 ? ` after position ${page.after}` : ''}`);
        console.log(formatTable(['position', 'stream', 'type', 'reason'], skipped.items.map((s) => [String(s.position), s.streamId, s.type, s.reason])));
        if (skipped.next !== null) console.log(`more: --after ${skipped.next}`);
      });
    });
}
