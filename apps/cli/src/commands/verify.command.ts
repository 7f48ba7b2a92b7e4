import type { Command } from 'commander';
import { databaseUrl } from '../cli-settings';
import { formatTable } from '../format-table';
import { withDatabase } from '../with-database';

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description("walk every stream's hash chain; exit 1 and name the first broken link if the log was altered")
    .option('--database-url <url>', 'postgres://user@host:port/database (default: $DATABASE_URL)')
    .action(async (options: { databaseUrl?: string }) => {
      await withDatabase(databaseUrl(options.databaseUrl), async ({ pool, store }) => {
        const started = Date.now();
        const problems = await store.verify();
        const { rows } = await pool.query<{ events: number; streams: number }>(
          'SELECT (SELECT count(*) FROM event_store.events)::int AS events, (SELECT count(*) FROM event_store.streams)::int AS streams',
        );
        if (problems.length === 0) {
          console.log(`intact: ${rows[0]!.events} events in ${rows[0]!.streams} streams verified in ${Date.now() - started} ms`);
          return;
        }
        const first = problems[0]!;
        console.log(`ALTERED: first broken link at position ${first.position ?? '-'} (stream ${first.streamId}, version ${first.streamVersion}): ${first.problem}`);
        console.log(formatTable(['position', 'stream', 'version', 'problem'], problems.slice(0, 50).map((p) => [String(p.position ?? '-'), p.streamId, String(p.streamVersion), p.problem])));
        process.exitCode = 1;
      });
    });
}
