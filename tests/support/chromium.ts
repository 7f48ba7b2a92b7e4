import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium for the browser tests: installed with apt-get when it is missing and we
 * may (root, apt-get present). Returns why not when it cannot be had.
 */
export function ensureChromium(log: (line: string) => void): { ok: true } | { ok: false; why: string } {
  if (existsSync(CHROMIUM)) return { ok: true };
  if (process.getuid?.() !== 0) return { ok: false, why: `${CHROMIUM} is missing and installing it needs root (apt-get install chromium)` };
  if (!existsSync('/usr/bin/apt-get')) return { ok: false, why: `${CHROMIUM} is missing and there is no apt-get to install it` };
  log('installing Debian chromium for the browser tests (apt-get install chromium)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8', timeout: 300_000 });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], { env, encoding: 'utf8', timeout: 600_000 });
  if (install.status !== 0 || !existsSync(CHROMIUM)) {
    return { ok: false, why: `apt-get install chromium failed: ${(install.stderr || update.stderr || install.stdout).trim().split('\n').slice(-3).join(' | ')}` };
  }
  return { ok: true };
}

/** The flags this machine's Chromium needs to run headless as root, offline. */
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
