import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NODE_OPTIONS } from '../../../tools/runtime/app-process';

/**
 * The apps' Node options are set where each launcher can take them: the local launcher
 * (AppProcess: demo, tests, chaos), the Docker image (NODE_OPTIONS) and the benchmark, which
 * runs the projector's rebuild in its own process. They must be the same options everywhere,
 * or the benchmark measures a projector nobody deploys.
 */
describe('deployment: the apps run with the same Node options everywhere', () => {
  const ROOT = join(__dirname, '../../..');

  it('the local launcher has options to give', () => {
    expect(APP_NODE_OPTIONS.length).toBeGreaterThan(0);
    for (const option of APP_NODE_OPTIONS) expect(option).toMatch(/^--[a-z-]+=\S+$/);
  });

  it('the Docker image sets them as NODE_OPTIONS', () => {
    const env = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').match(/^ENV NODE_OPTIONS=(.+)$/m);
    expect(env?.[1]?.replace(/^"|"$/g, '').split(/\s+/)).toEqual(APP_NODE_OPTIONS);
  });

  it('npm run bench starts node with them', () => {
    const bench = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.bench!;
    const run = bench.split('&&').map((s) => s.trim()).find((s) => s.includes('bench/run.ts'))!;
    for (const option of APP_NODE_OPTIONS) expect(run.split(/\s+/)).toContain(option);
  });
});
