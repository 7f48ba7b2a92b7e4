import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAlive } from '../../../tools/stack/processes';

/**
 * isAlive decides when the stack's stop is done (stopProcess waits for it) and whether a pid
 * file's process still runs. A broker's JVM ends its shutdown with its first thread exited and
 * others still running: the process is alive until the last of them ends.
 */

/** The state letter of the process's first thread, as /proc shows it. */
const firstThreadState = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.charAt(stat.lastIndexOf(')') + 2);
};

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('the local stack: whether a process is alive', () => {
  it('is true while any thread of the process runs, though its first thread has exited (shown as a zombie)', async () => {
    // python3 (installed on the machines the stack runs on) ends its first thread with
    // pthread_exit while a second thread sleeps until told to stop (its stdin closes)
    const child = spawn('python3', [
      '-c',
      'import ctypes, sys, threading\n' +
        'threading.Thread(target=sys.stdin.read).start()\n' +
        'print("ready", flush=True)\n' +
        'ctypes.CDLL(None).pthread_exit(None)\n',
    ], { stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = child.pid!;
    try {
      await new Promise((resolve) => child.stdout!.once('data', resolve));
      await until(() => firstThreadState(pid) === 'Z', 'the first thread has exited');
      expect(isAlive(pid)).toBe(true);
      child.stdin!.end();
      await exited(child);
      expect(isAlive(pid)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('is true for a running process and false once it has exited', async () => {
    const child = spawn('sleep', ['30']);
    const pid = child.pid!;
    expect(isAlive(pid)).toBe(true);
    child.kill('SIGTERM');
    await exited(child);
    expect(isAlive(pid)).toBe(false);
  });
});
