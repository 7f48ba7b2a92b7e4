import type { Pool } from 'pg';
import type { PostgresEventStore } from '@annals/event-store';
import { ProjectorRunner, type ProjectionVersions } from '@annals/projections';

/** Rebuilds the read model into a new version and returns once it is active (blue/green, as `annals replay` does). */
export async function rebuildReadModel(pool: Pool, store: PostgresEventStore, versions: ProjectionVersions): Promise<void> {
  const { version } = await versions.startRebuild();
  const runner = new ProjectorRunner(pool, store, versions, { batchSize: 2000, pollIntervalMs: 100 });
  await runner.start();
  try {
    for (;;) {
      const states = await versions.states();
      if (states.find((v) => v.version === version)?.state === 'active') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await runner.stop();
  }
}

/**
 * Drops every retired version's partitions, so that their rows cost the next measurement
 * nothing (autovacuum). Purge gives way to whatever holds the partitions, autovacuum included:
 * this tries until it gets them.
 */
export async function dropRetiredVersions(versions: ProjectionVersions): Promise<void> {
  for (const v of await versions.states()) {
    if (v.state !== 'retired') continue;
    while (!(await versions.purge(v.version))) await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
