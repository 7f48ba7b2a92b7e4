import type { Command } from 'commander';
import { httpApi } from '@annals/contracts';
import { CoalitionQueries } from '@annals/queries';
import { databaseUrl } from '../cli-settings';
import { day, formatTable } from '../format-table';
import { optionsError, UsageError } from '../usage-error';
import { withDatabase } from '../with-database';

/** The coalition id argument, by the HTTP API's rule: one that could name no coalition is said to be malformed, not missing. */
function coalitionIdOf(id: string): string {
  const parsed = httpApi.coalitionPath.safeParse({ id });
  if (!parsed.success) throw new UsageError(`<coalitionId>: ${parsed.error.issues[0]!.message} (got ${JSON.stringify(id.slice(0, 100))})`);
  return parsed.data.id;
}

/** The same parameter rules as the HTTP API: a date alone means the end of that day. */
function instants(options: { at?: string; knownAt?: string }) {
  const parsed = httpApi.stateQuery.safeParse({ ...(options.at ? { at: options.at } : {}), ...(options.knownAt ? { knownAt: options.knownAt } : {}) });
  if (!parsed.success) throw optionsError(parsed.error);
  const now = new Date();
  return { at: parsed.data.at ?? now, knownAt: parsed.data.knownAt ?? now };
}

export function stateCommand(program: Command): void {
  program
    .command('state')
    .description('who was in a coalition at a date, as known at another date, and which reports say so')
    .argument('<coalitionId>')
    .option('--at <date>', 'valid time (YYYY-MM-DD or RFC 3339; default now)')
    .option('--known-at <date>', 'knowledge time (default now)')
    .option('--database-url <url>')
    .action(async (argument: string, options: { at?: string; knownAt?: string; databaseUrl?: string }) => {
      const id = coalitionIdOf(argument);
      const { at, knownAt } = instants(options);
      await withDatabase(databaseUrl(options.databaseUrl), async ({ pool, store }) => {
        const state = await new CoalitionQueries(pool, store).state(id, at, knownAt);
        console.log(`${state.name ?? id}${state.formedAt ? ` (formed ${day(state.formedAt)})` : ''}: ${state.members.length} member(s) at ${state.at}, as known at ${state.knownAt}`);
        console.log(
          formatTable(
            ['country', 'since', 'roles', 'sources'],
            state.members.map((m) => [
              m.country,
              day(m.since),
              m.roles.map((r) => `${r.kind}${r.theater ? ` in ${r.theater}` : ''} (${day(r.since)})`).join(', '),
              m.sources.map((s) => `${s.publisher} ${day(s.publishedAt)}`).join(', '),
            ]),
          ),
        );
      });
    });
}

export function timelineCommand(program: Command): void {
  program
    .command('timeline')
    .description('every visible report about a coalition, in fold order')
    .argument('<coalitionId>')
    .option('--from <date>')
    .option('--to <date>')
    .option('--known-at <date>', 'knowledge time (default now)')
    .option('--database-url <url>')
    .action(async (argument: string, options: { from?: string; to?: string; knownAt?: string; databaseUrl?: string }) => {
      const id = coalitionIdOf(argument);
      const parsed = httpApi.timelineQuery.safeParse(Object.fromEntries(Object.entries({ from: options.from, to: options.to, knownAt: options.knownAt }).filter(([, v]) => v)));
      if (!parsed.success) throw optionsError(parsed.error);
      await withDatabase(databaseUrl(options.databaseUrl), async ({ pool, store }) => {
        const { from, to, knownAt = new Date() } = parsed.data;
        const items = await new CoalitionQueries(pool, store).wholeTimeline(id, { from, to, knownAt });
        console.log(
          formatTable(
            ['occurred', 'type', 'country', 'role(s)', 'report', 'published'],
            items.map((i) => [
              day(i.occurredAt),
              i.type,
              i.country ?? '',
              (i.role ? [i.role] : i.roles).map((r) => `${r.kind}${r.theater ? ` in ${r.theater}` : ''}`).join(', '),
              i.reportId,
              `${i.publisher} ${day(i.publishedAt)}`,
            ]),
          ),
        );
      });
    });
}
