import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { httpApi } from '@annals/contracts';
import { CoalitionQueries, CoalitionStates } from '@annals/queries';
import { ZodPipe } from '../http/zod.pipe';
import type { z } from 'zod';

type Q<S extends z.ZodType> = z.output<S>;

/** What Express's res.json sends, for the answers rendered before. */
const JSON_TYPE = 'application/json; charset=utf-8';

/** GET /coalitions... : the point-in-time questions. Validation and shapes: libs/contracts/http. */
@Controller()
export class CoalitionsController {
  constructor(
    private readonly queries: CoalitionQueries,
    private readonly states: CoalitionStates,
  ) {}

  @Get('coalitions')
  list(@Query(new ZodPipe(httpApi.stateQuery, 'query')) query: Q<typeof httpApi.stateQuery>) {
    const now = new Date();
    return this.queries.list(query.at ?? now, query.knownAt ?? now);
  }

  @Get('coalitions/:id')
  async state(@Param(new ZodPipe(httpApi.coalitionPath, 'path')) path: Q<typeof httpApi.coalitionPath>, @Query(new ZodPipe(httpApi.coalitionStateQuery, 'query')) query: Q<typeof httpApi.coalitionStateQuery>) {
    const now = new Date();
    // already JSON (from the copy in memory, or rendered once): sent as it is, not stringified again
    const json = await this.states.json(path.id, query.at ?? now, query.knownAt ?? now, query.sources);
    return new StreamableFile(json, { type: JSON_TYPE, length: json.length });
  }

  @Get('coalitions/:id/members/:code/sources')
  memberSources(@Param(new ZodPipe(httpApi.memberPath, 'path')) path: Q<typeof httpApi.memberPath>, @Query(new ZodPipe(httpApi.memberSourcesQuery, 'query')) query: Q<typeof httpApi.memberSourcesQuery>) {
    const now = new Date();
    return this.queries.memberSources(path.id, path.code, { at: query.at ?? now, knownAt: query.knownAt ?? now, after: query.after, limit: query.limit });
  }

  @Get('coalitions/:id/timeline')
  timeline(
    @Param(new ZodPipe(httpApi.coalitionPath, 'path')) path: Q<typeof httpApi.coalitionPath>,
    @Query(new ZodPipe(httpApi.timelineQuery, 'query')) query: Q<typeof httpApi.timelineQuery>,
  ) {
    return this.queries.timeline(path.id, { ...query, knownAt: query.knownAt ?? new Date() });
  }

  @Get('coalitions/:id/history')
  history(@Param(new ZodPipe(httpApi.coalitionPath, 'path')) path: Q<typeof httpApi.coalitionPath>, @Query(new ZodPipe(httpApi.historyQuery, 'query')) query: Q<typeof httpApi.historyQuery>) {
    return this.queries.history(path.id, query.knownAt ?? new Date(), { after: query.after, limit: query.limit });
  }

  @Get('coalitions/:id/diff')
  diff(@Param(new ZodPipe(httpApi.coalitionPath, 'path')) path: Q<typeof httpApi.coalitionPath>, @Query(new ZodPipe(httpApi.diffQuery, 'query')) query: Q<typeof httpApi.diffQuery>) {
    const now = new Date();
    return this.queries.diff(path.id, query.from ?? new Date(0), query.to ?? now, query.knownAt ?? now);
  }

  @Get('countries/:code/coalitions')
  countryCoalitions(@Param(new ZodPipe(httpApi.countryPath, 'path')) path: Q<typeof httpApi.countryPath>, @Query(new ZodPipe(httpApi.stateQuery, 'query')) query: Q<typeof httpApi.stateQuery>) {
    const now = new Date();
    return this.queries.countryCoalitions(path.code, query.at ?? now, query.knownAt ?? now);
  }

  @Get('reports/:id')
  report(@Param(new ZodPipe(httpApi.reportPath, 'path')) path: Q<typeof httpApi.reportPath>, @Query(new ZodPipe(httpApi.emptyQuery, 'query')) _query: Q<typeof httpApi.emptyQuery>) {
    return this.queries.report(path.id);
  }
}
