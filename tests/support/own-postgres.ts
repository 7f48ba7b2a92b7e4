import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runMigrations } from '@annals/database';
import { PostgresServer } from '../../tools/stack/postgres-server';
import { stackRoot } from '../../tools/stack/profiles';

/**
 * A PostgreSQL server of a test's own, for tests that stop, restart or crash it: the shared
 * test server must keep serving the other suites. Fresh data each time; migrated.
 */
export class OwnPostgres {
  readonly server: PostgresServer;
  /** The processes freeze() stopped, which thaw() continues. */
  private frozen: number[] = [];

  constructor(name: string, port: number) {
    this.server = new PostgresServer({ port, dir: join(stackRoot(), `own-${name}`), binariesDir: stackRoot() });
  }

  get appUrl(): string {
    return this.server.url('app', 'annals');
  }

  async create(): Promise<this> {
    await this.server.stop('immediate').catch(() => undefined);
    rmSync(this.server.options.dir, { recursive: true, force: true });
    await this.start();
    await this.server.provision('annals');
    await runMigrations(this.server.url('owner', 'annals'), { grantTo: this.server.credentials().app.user });
    return this;
  }

  async start(): Promise<void> {
    await this.server.start();
    await this.server.waitReady();
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): Promise<unknown> {
    return this.server.stop(mode);
  }

  /**
   * Stops every process of the server (SIGSTOP) until thaw(): its connections stay open and
   * nothing refuses or resets them, as with a stopped host, hung storage or a path that drops
   * packets. A server that accepts statements and never answers them.
   */
  freeze(): void {
    const postmaster = this.server.pid();
    if (postmaster === undefined) throw new Error('PostgreSQL is not running: nothing to freeze');
    this.frozen = [postmaster, ...childrenOf(postmaster)];
    for (const pid of this.frozen) process.kill(pid, 'SIGSTOP');
  }

  thaw(): void {
    for (const pid of this.frozen) process.kill(pid, 'SIGCONT');
    this.frozen = [];
  }

  async destroy(): Promise<void> {
    this.thaw();
    await this.server.stop('immediate').catch(() => undefined);
    rmSync(this.server.options.dir, { recursive: true, force: true });
  }
}

/** The processes `parent` started, from /proc (the parent's pid is the field after the command, in parentheses, and the state). */
function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === parent;
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}
