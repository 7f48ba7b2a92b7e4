import { Module } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { Repository } from 'typeorm';
import { APP_CONFIG } from '@annals/config';
import { PG_POOL } from '@annals/database';
import { PostgresEventStore } from '@annals/event-store';
import { AnnalsMetrics } from '@annals/observability';
import { ProjectionVersionEntity } from './projection-version.entity';
import { ProjectionVersions } from './projection-versions';
import { ProjectorRunner } from './projector-runner';

/**
 * The read model's write side: the runner that feeds it (started by apps/projector) and the
 * versions (blue/green) that apps/api's admin endpoints start rebuilds with.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ProjectionVersionEntity])],
  providers: [
    {
      provide: ProjectionVersions,
      inject: [PG_POOL, getRepositoryToken(ProjectionVersionEntity)],
      useFactory: (pool: Pool, repository: Repository<ProjectionVersionEntity>) => new ProjectionVersions(pool, repository),
    },
    {
      provide: ProjectorRunner,
      inject: [PG_POOL, PostgresEventStore, ProjectionVersions, AnnalsMetrics, APP_CONFIG],
      // the api, which starts no runner, has no PROJECTOR_CACHE_SIZE
      useFactory: (pool: Pool, store: PostgresEventStore, versions: ProjectionVersions, metrics: AnnalsMetrics, config: { PROJECTOR_CACHE_SIZE?: number }) =>
        new ProjectorRunner(pool, store, versions, { metrics, cacheSize: config.PROJECTOR_CACHE_SIZE }),
    },
  ],
  exports: [ProjectorRunner, ProjectionVersions],
})
export class ProjectionsModule {}
