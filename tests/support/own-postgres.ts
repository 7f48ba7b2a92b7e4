import { rmSync } from 'node:fs';
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

  async destroy(): Promise<void> {
    await this.server.stop('immediate').catch(() => undefined);
    rmSync(this.server.options.dir, { recursive: true, force: true });
  }
}
