import { createWriteStream, unlinkSync, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { fileErrorText } from './file-error-text';
import { UsageError } from './usage-error';

/** A file a command writes whole or not at all. */
export interface OutputFile {
  stream: WriteStream;
  /** Flushes it and puts it in place of whatever the path held (a failure leaves abandon() to the caller). */
  commit(): Promise<void>;
  /** Removes what was written; the path keeps what it held. Returns the file's own error, if writing it failed (a full disk), to be reported in place of what it caused. */
  abandon(): Promise<UsageError | undefined>;
}

/**
 * Opens `path` for a command's output, checked before the command does any work. It is written
 * beside the path under a temporary name and renamed over it once complete (a rename within a
 * directory is atomic): a command that fails halfway leaves neither a truncated file that looks
 * like a whole one, nor an earlier file of the same name destroyed (an export from a database
 * without the event store used to leave yesterday's archive empty).
 */
export async function openOutputFile(path: string, option: string): Promise<OutputFile> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`${option}: ${path} is a directory`);
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  const failed = (error: unknown) => new UsageError(`${option}: cannot write ${path}: ${fileErrorText(error)}`);
  // Interrupted (Ctrl-C, a supervisor's SIGTERM), the command removes the temporary file, then
  // ends as the signal would have: its default ended the process and left the file behind.
  // Listening before the file exists: from then on, no signal finds it unwatched.
  const interrupted = (signal: NodeJS.Signals) => {
    settled();
    try {
      unlinkSync(partial);
    } catch {
      // (gone already)
    }
    process.kill(process.pid, signal);
  };
  const settled = () => {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const stream = createWriteStream(partial, { flags: 'wx' });
  await once(stream, 'open').catch((error: unknown) => {
    settled();
    throw failed(error);
  });
  // a failed write is met by the writer (stream.errored), commit() or abandon(), not as an uncaught error
  stream.on('error', () => undefined);
  return {
    stream,
    async commit() {
      if (stream.errored) throw failed(stream.errored);
      stream.end();
      await once(stream, 'finish').catch((error: unknown) => {
        throw failed(error);
      });
      await rename(partial, path).catch((error: unknown) => {
        throw failed(error);
      });
      settled();
    },
    async abandon() {
      settled();
      const error = stream.errored;
      stream.destroy();
      await rm(partial, { force: true });
      return error ? failed(error) : undefined;
    },
  };
}
