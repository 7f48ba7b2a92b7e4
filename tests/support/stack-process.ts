import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { livePid, removeFile } from '../../tools/stack/processes';
import { profile, stackRoot } from '../../tools/stack/profiles';
import type { StackSettings } from '../../tools/stack/stack';

const ROOT = join(__dirname, '..', '..');

/**
 * Runs the stack CLI (tools/stack/cli.ts) in a child process. Jest's global setup runs
 * outside its module system, where the @annals/* aliases the stack code uses do not resolve.
 */
export function stackCommand(command: 'up' | 'destroy', profileName: string): Promise<void> {
  const env = { ...process.env };
  // The test stack starts its own servers whatever the shell points at.
  for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'MIGRATIONS_DATABASE_URL', 'DATABASE_ADMIN_URL']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'tools/stack/cli.ts'), command, '--profile', profileName], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`stack ${command} --profile ${profileName} failed (exit ${code}); see the output above`))));
  });
}

export function readStackSettings(profileName: string): StackSettings {
  return JSON.parse(readFileSync(join(profile(profileName).dir, 'stack.json'), 'utf8')) as StackSettings;
}

const lockFile = (profileName: string) => join(stackRoot(), `${profileName}.in-use`);

/**
 * Each test run starts the test stack afresh and destroys it at the end, so two runs at once
 * would pull it from under each other: the second one refuses, naming the first.
 */
export function claimStack(profileName: string): void {
  const holder = livePid(lockFile(profileName));
  if (holder !== undefined && holder !== process.pid) {
    throw new Error(
      `another test run (pid ${holder}) is using the "${profileName}" stack; wait for it to finish, or point this run at servers of its own with KAFKA_BROKERS and DATABASE_ADMIN_URL`,
    );
  }
  mkdirSync(stackRoot(), { recursive: true });
  writeFileSync(lockFile(profileName), `${process.pid}\n`);
}

export function releaseStack(profileName: string): void {
  removeFile(lockFile(profileName));
}
