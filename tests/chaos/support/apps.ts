import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppProcess } from '../../../tools/runtime/app-process';
import { ARTIFACTS } from './artifacts';

/** Every app a scenario started, so that a failed scenario leaves no process behind (killAll). */
const started = new Set<AppProcess>();

/** The apps of a scenario, each in a process of its own so that SIGKILL is real. */
export function ingestor(scenario: string, n = 1): AppProcess {
  return track(new AppProcess('ingestor', join(ARTIFACTS, 'chaos-logs', `${scenario}-ingestor-${n}.log`)));
}

export function projector(scenario: string, n = 1): AppProcess {
  return track(new AppProcess('projector', join(ARTIFACTS, 'chaos-logs', `${scenario}-projector-${n}.log`)));
}

function track(app: AppProcess): AppProcess {
  started.add(app);
  return app;
}

/** Fails a scenario the moment one of its apps dies on its own, with the end of its log. */
export function assertNoneCrashed(): void {
  for (const app of started) {
    if (!app.crashed) continue;
    let tail = '';
    try {
      tail = readFileSync(app.logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      // no log
    }
    throw new Error(`the ${app.app} (${app.logFile}) crashed; the end of its log:\n${tail}`);
  }
}

export async function killAll(): Promise<void> {
  await Promise.all([...started].map((app) => app.kill()));
  started.clear();
}

export function appEnv(input: { brokers: string; databaseUrl: string; topic: string; group: string; partitions?: number; replication?: number }): Record<string, string> {
  return {
    KAFKA_BROKERS: input.brokers,
    DATABASE_URL: input.databaseUrl,
    KAFKA_TOPIC: input.topic,
    KAFKA_DLQ_TOPIC: `${input.topic}.dlq`,
    KAFKA_GROUP_ID: input.group,
    KAFKA_TOPIC_PARTITIONS: String(input.partitions ?? 4),
    KAFKA_REPLICATION_FACTOR: String(input.replication ?? 1),
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
  };
}
