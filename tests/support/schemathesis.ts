import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaCacheDir } from '../../tools/stack/kafka-server';

const REQUIREMENTS = join(__dirname, '..', '..', 'tools', 'schemathesis', 'requirements.txt');

/**
 * The `st` command of schemathesis, installed on first use from PyPI into a virtualenv of its
 * own under the project's cache (keyed by the pinned requirements), so a clean machine or CI
 * gets it without a manual step.
 */
export function schemathesisCommand(): string {
  const key = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex').slice(0, 12);
  const venv = join(kafkaCacheDir(), `schemathesis-${key}`);
  const st = join(venv, 'bin', 'st');
  if (existsSync(st)) return st;
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr || result.stdout}`);
  };
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) throw new Error('schemathesis needs Python 3 (python3) to install it from PyPI');
  run(python, ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS]);
  return st;
}
