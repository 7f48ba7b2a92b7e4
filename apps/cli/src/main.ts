import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { Command } from 'commander';
import { ConfigError } from '@annals/config';
import { serverError } from '@annals/platform';
import { MissingTopicError, RewindRefusedError } from '@annals/kafka';
import { ReadModelBusyError } from '@annals/projections';
import { NotFoundError } from '@annals/queries';
import { dlqCommand } from './commands/dlq.command';
import { exportCommand } from './commands/export.command';
import { migrateCommand } from './commands/migrate.command';
import { projectionsCommand } from './commands/projections.command';
import { publishCommand } from './commands/publish.command';
import { replayCommand } from './commands/replay.command';
import { reprocessCommand } from './commands/reprocess.command';
import { stateCommand, timelineCommand } from './commands/state.command';
import { verifyCommand } from './commands/verify.command';
import { UsageError } from './usage-error';

/** `annals`: the command line for people at a terminal. Each command is a thin adapter over libs/. */
// What the libraries log while a command runs (replay's progress) is coloured only on a terminal:
// Nest's logger colours whenever NO_COLOR is unset, which put escape codes into piped output.
Logger.overrideLogger(new ConsoleLogger({ colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
// A reader that stops early (`annals export | head`) closes the pipe: the command stops quietly,
// with the status of a Unix tool that SIGPIPE ended (128 + 13), instead of a write error that
// read as PostgreSQL's. Node ignores SIGPIPE, so every write after that would fail with EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(141);
  throw error;
});
const program = new Command('annals').description('Annals: news events into a trustworthy event store, and point-in-time answers out').showHelpAfterError();
publishCommand(program);
dlqCommand(program);
migrateCommand(program);
verifyCommand(program);
replayCommand(program);
reprocessCommand(program);
exportCommand(program);
projectionsCommand(program);
stateCommand(program);
timelineCommand(program);

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    const known = error instanceof UsageError || error instanceof ConfigError || error instanceof NotFoundError || error instanceof ReadModelBusyError || error instanceof RewindRefusedError || error instanceof MissingTopicError || (error instanceof Error && !error.stack?.includes('node_modules'));
    const server = serverError(error);
    console.error(`annals: ${server ?? (error instanceof Error ? (known ? error.message : error.stack) : String(error))}`);
    process.exit(1);
  },
);
