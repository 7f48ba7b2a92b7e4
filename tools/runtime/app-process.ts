import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Node options every app runs with, here and in the Docker image (Dockerfile, NODE_OPTIONS):
 * a young generation twice V8's default. A rebuild allocates fast (rows, dates, strings) and
 * with the default the garbage collector took a quarter of the projector's CPU, promoting
 * short-lived objects into the old generation (docs/decisions/0010-young-generation.md).
 */
export const APP_NODE_OPTIONS = ['--max-semi-space-size=32'];

/**
 * One of Annals' apps, run from its TypeScript sources in a process of its own, its output in
 * a log file. The demo runs the system with it; tests kill it for real (SIGKILL).
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(
    readonly app: 'ingestor' | 'projector' | 'api',
    readonly logFile: string,
  ) {}

  /** `nodeArgs`: options for node itself, e.g. `--cpu-prof` (which NODE_OPTIONS may not carry). */
  start(env: Record<string, string>, nodeArgs: string[] = []): void {
    mkdirSync(dirname(this.logFile), { recursive: true });
    const out = openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, [...APP_NODE_OPTIONS, ...nodeArgs, '-r', '@swc-node/register', join(ROOT, 'apps', this.app, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.stopping = false;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    this.stopping = true;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  get exited(): boolean {
    return !this.child || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Exited without being told to (kill or stop): it crashed. */
  get crashed(): boolean {
    return this.exited && !this.stopping && this.child !== undefined;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    this.stopping = true;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }
}
