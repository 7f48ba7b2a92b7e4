import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';

/** Small process helpers shared by the Kafka and PostgreSQL servers of the local stack. */

/**
 * True while the process runs. A zombie (exited, not yet reaped -- this machine's init reaps
 * orphans lazily) answers kill(pid, 0) but is dead: /proc tells them apart. /proc/<pid>/stat is
 * the process's first thread, which can exit before the others: the JVM's does so at the end of
 * a broker's shutdown, and the process's other threads then still run (and may hold its port and
 * its data directory's lock) under a first thread shown as a zombie. So the process is dead only
 * once none of its threads is left running.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let first: string;
  try {
    first = stateOf(`/proc/${pid}/stat`);
  } catch {
    return true; // no /proc (macOS): trust kill(pid, 0)
  }
  if (first !== 'Z') return true;
  try {
    return readdirSync(`/proc/${pid}/task`).some((task) => {
      try {
        return stateOf(`/proc/${pid}/task/${task}/stat`) !== 'Z';
      } catch {
        return false; // the thread exited meanwhile
      }
    });
  } catch {
    return false; // reaped meanwhile
  }
}

/** The state letter of a /proc stat file (after the command name, which may hold spaces and parentheses). */
function stateOf(statFile: string): string {
  const stat = readFileSync(statFile, 'utf8');
  return stat.charAt(stat.lastIndexOf(')') + 2);
}

export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0]!.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function livePid(file: string): number | undefined {
  const pid = readPid(file);
  if (pid !== undefined && isAlive(pid)) return pid;
  return undefined;
}

export function portAccepts(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Thrown by a `waitFor` check when waiting longer cannot help (the awaited process has exited). */
export class GiveUp extends Error {}

/**
 * Polls `check` until it returns a value, or fails with `what` and the last error after
 * `timeoutMs`; at once when the check throws GiveUp.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw new Error(`gave up waiting for ${what}: ${error.message}`);
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${reason}`);
    }
    await sleep(intervalMs);
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs: number): Promise<'stopped' | 'killed'> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'stopped';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and captures its output; rejects with the output when it fails. */
export function run(command: string, args: string[], options: SpawnOptions & { allowFailure?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const result = { code, stdout, stderr };
      if (code === 0 || options.allowFailure) resolve(result);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${(stderr || stdout).trim()}`));
    });
  });
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}
