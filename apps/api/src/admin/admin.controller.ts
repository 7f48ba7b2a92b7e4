import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';
import { ProjectionVersions } from '@annals/projections';
import { AdminTokenGuard } from './admin-token.guard';

/** Rebuilds (blue/green) and their progress. Token-guarded and rate-limited. */
@Controller('admin')
@UseGuards(ThrottlerGuard, AdminTokenGuard)
export class AdminController {
  constructor(private readonly versions: ProjectionVersions) {}

  /** Starts rebuilding the read model into a new version; queries stay on the live one until it has caught up. */
  @Post('replay')
  @HttpCode(202)
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  async replay() {
    const { version, created } = await this.versions.startRebuild();
    return { projection: 'coalition-membership', version, state: 'building', created };
  }

  /** Progress of every read-model version (polled by dashboards and `annals replay`). */
  @Get('projections')
  @Throttle({ default: { limit: 600, ttl: 60_000 } })
  async projections() {
    return { items: await this.versions.list() };
  }
}
