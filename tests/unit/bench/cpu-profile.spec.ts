import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicMicros, summarizeProfile } from '../../../bench/lib/cpu-profile';

/**
 * The burst's profile in docs/benchmarks.md says where each app's CPU went: it must count only
 * the window it names (the profile also holds start-up and the steady phase), leave idle out, and
 * charge each sample to the place the running code lives.
 */
describe('bench: summarizing a V8 CPU profile over a window', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'annals-cpu-profile-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const frame = (id: number, functionName: string, url: string, lineNumber = 0) => ({ id, callFrame: { functionName, url, lineNumber } });
  const nodes = [
    frame(1, '(root)', ''),
    frame(2, '(idle)', ''),
    frame(3, '(garbage collector)', ''),
    frame(4, 'decide', 'file:///srv/annals/libs/domain/src/decide.ts', 9),
    frame(5, 'parseRow', 'file:///srv/annals/node_modules/pg/lib/result.js', 61),
    frame(6, 'hash', 'node:internal/crypto/hash', 219),
    frame(7, '', 'file:///srv/annals/node_modules/@nestjs/core/index.js', 3),
  ];

  /** A profile starting at `start` µs whose samples are [node id, µs since the previous sample]. */
  const profileFile = (name: string, start: number, samples: Array<[number, number]>) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ nodes, startTime: start, endTime: start + samples.reduce((a, [, d]) => a + d, 0), samples: samples.map(([id]) => id), timeDeltas: samples.map(([, d]) => d) }));
    return file;
  };

  it('counts the samples inside the window only, idle left out, by where the code lives', () => {
    const file = profileFile('window.cpuprofile', 1_000_000, [
      [4, 100], // at 1,000,100: before the window (start-up)
      [4, 1_000], // at 1,001,100: the window starts at 1,001,000
      [4, 1_000],
      [5, 1_000],
      [3, 1_000],
      [2, 5_000], // idle
      [6, 1_000], // at 1,010,100
      [7, 2_000], // at 1,012,100: after the window, which ends at 1,012,000
    ]);
    const summary = summarizeProfile(file, 1_001_000, 1_012_000);
    expect(summary.busySeconds).toBeCloseTo(0.005, 9);
    expect(Object.fromEntries(summary.byPlace.map((s) => [s.name, s.share]))).toEqual({
      'libs/domain': 0.4,
      'npm pg': 0.2,
      'garbage collector': 0.2,
      'Node.js and V8 built-ins': 0.2,
    });
    expect(summary.topFunctions.map((f) => f.name)).toEqual([
      'decide (libs/domain/src/decide.ts:10)',
      // (ties keep the order they were first seen in)
      'parseRow (npm pg)',
      'garbage collector',
      'hash (Node.js and V8 built-ins)',
    ]);
  });

  it('names scoped packages and anonymous functions, and keeps only the busiest functions asked for', () => {
    const file = profileFile('top.cpuprofile', 0, [
      [7, 3_000],
      [4, 2_000],
      [5, 1_000],
    ]);
    const summary = summarizeProfile(file, 0, 10_000, 2);
    expect(summary.topFunctions).toEqual([
      { name: '(anonymous) (npm @nestjs/core)', share: 0.5 },
      { name: 'decide (libs/domain/src/decide.ts:10)', share: 2 / 6 },
    ]);
    expect(summary.byPlace.map((s) => s.name)).toEqual(['npm @nestjs/core', 'libs/domain', 'npm pg']);
  });

  it("cuts the window on the clock of V8's profiles: monotonicMicros in this process brackets a child's profile", () => {
    const before = monotonicMicros();
    execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', 'clock.cpuprofile', '-e', 'const end = Date.now() + 50; while (Date.now() < end);']);
    const after = monotonicMicros();
    const { startTime, endTime } = JSON.parse(readFileSync(join(dir, 'clock.cpuprofile'), 'utf8')) as { startTime: number; endTime: number };
    expect(startTime).toBeGreaterThanOrEqual(before);
    expect(endTime).toBeLessThanOrEqual(after);
    expect(endTime - startTime).toBeGreaterThanOrEqual(50_000);
  });
});
