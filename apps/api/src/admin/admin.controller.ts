import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';
import type { z } from 'zod';
import { httpAdmin } from '@annals/contracts';
import { ProjectionVersions } from '@annals/projections';
import { ZodPipe } from '../http/zod.pipe';
import { AdminTokenGuard } from './admin-token.guard';

type Q<S extends z.ZodType> = z.output<S>;

/** Rebuilds (blue/green) and their progress. Token-guarded and rate-limited. */
@Controller('admin')
@UseGuards(ThrottlerGuard, AdminTokenGuard)
export class AdminController {
  constructor(private readonly versions: ProjectionVersions) {}

  /** Starts rebuilding the read model into a new version; queries stay on the live one until it has caught up. */
  @Post('replay')
  @HttpCode(202)
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  async replay(
    @Body(new ZodPipe(httpAdmin.replayBody, 'body')) body: Q<typeof httpAdmin.replayBody>,
    @Query(new ZodPipe(httpAdmin.noQuery, 'query')) _query: Q<typeof httpAdmin.noQuery>,
  ) {
    const { version, created } = await this.versions.startRebuild();
    return { projection: body.projection ?? httpAdmin.REBUILDABLE_PROJECTIONS[0], version, state: 'building', created };
  }

  /** Progress of every read-model version (polled by dashboards and `annals replay`). */
  @Get('projections')
  @Throttle({ default: { limit: 600, ttl: 60_000 } })
  async projections(@Query(new ZodPipe(httpAdmin.noQuery, 'query')) _query: Q<typeof httpAdmin.noQuery>) {
    return { items: await this.versions.list() };
  }

  /**
   * The reports a version left out because it could not read them, with the reasons, by
   * position, a page at a time (httpAdmin.skippedEventsQuery). `next` is the `after` of the
   * next page, null on the last.
   */
  @Get('projections/:version/skipped-events')
  @Throttle({ default: { limit: 600, ttl: 60_000 } })
  async skippedEvents(
    @Param(new ZodPipe(httpAdmin.versionPath, 'path')) path: Q<typeof httpAdmin.versionPath>,
    @Query(new ZodPipe(httpAdmin.skippedEventsQuery, 'query')) query: Q<typeof httpAdmin.skippedEventsQuery>,
  ) {
    const page = await this.versions.skippedEvents(path.version, query.after, query.limit);
    if (!page) throw new NotFoundException(`no read-model version ${path.version}`);
    return { version: path.version, ...page };
  }
}
