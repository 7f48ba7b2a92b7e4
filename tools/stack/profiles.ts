import { join } from 'node:path';

/**
 * A profile is one local stack: its ports and its directory. `dev` serves the demo and
 * hand-run apps; `test` is started and stopped by `npm test`, on its own ports, so the
 * test run neither collides with nor wipes a dev stack left running.
 */
export interface StackProfile {
  name: string;
  dir: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  postgresPort: number;
  database: string;
}

const PORTS: Record<string, Omit<StackProfile, 'name' | 'dir' | 'database'>> = {
  dev: { kafkaPort: 9092, kafkaControllerPort: 9093, postgresPort: 54320 },
  test: { kafkaPort: 19092, kafkaControllerPort: 19093, postgresPort: 54330 },
  // npm run bench: its own servers, so that a benchmark never measures or disturbs another stack
  bench: { kafkaPort: 39092, kafkaControllerPort: 39093, postgresPort: 54360 },
  // the stack's own test starts, checks and stops this one, next to the running test stack.
  // Servers that tests start mid-run listen below the kernel's ephemeral port range (32768-60999
  // on Linux): there, no client socket of the same run can already hold the port as its source
  // port (a chaos broker on 49300 once failed to bind for that reason).
  'stack-check': { kafkaPort: 29092, kafkaControllerPort: 29093, postgresPort: 25340 },
};

/** Root of every profile's state; world-traversable so the PostgreSQL OS user can reach its data. */
export function stackRoot(): string {
  return process.env.ANNALS_STACK_DIR ?? '/var/tmp/annals';
}

export function profile(name: string): StackProfile {
  const ports = PORTS[name];
  if (!ports) throw new Error(`unknown stack profile "${name}" (known: ${Object.keys(PORTS).join(', ')})`);
  return { name, dir: join(stackRoot(), name), database: 'annals', ...ports };
}
