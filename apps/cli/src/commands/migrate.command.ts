import type { Command } from 'commander';
import { runMigrations } from '@annals/database';
import { databaseUrl } from '../cli-settings';

export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending schema migrations (as the owner role: $MIGRATIONS_DATABASE_URL, else $DATABASE_URL)')
    .option('--database-url <url>', 'postgres://owner@host:port/database')
    .option('--grant-to <role>', 'also grant the annals_writer group role to this login role (the apps\' role)')
    .action(async (options: { databaseUrl?: string; grantTo?: string }) => {
      const report = await runMigrations(databaseUrl(options.databaseUrl, 'migrations'), options.grantTo ? { grantTo: options.grantTo } : {});
      console.log(report.applied.length ? `applied: ${report.applied.join(', ')}` : 'the schema is up to date');
    });
}
