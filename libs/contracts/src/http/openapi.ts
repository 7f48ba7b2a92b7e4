import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import * as api from './api-schemas';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const unavailable = {
  ...json(api.errorResponse, 'The database is out of reach, restarting or busy: ask again (nothing is wrong with the request)'),
  headers: { 'Retry-After': { description: 'Seconds to wait before asking again', schema: { type: 'integer' as const } } },
};
const errors = {
  '400': json(api.errorResponse, 'A parameter is malformed or unknown; the message names it'),
  '404': json(api.errorResponse, 'No such coalition, country or report'),
  '503': unavailable,
};

/** /openapi.json, generated from the same zod schemas that validate requests. */
export function openApiDocument(): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Annals',
      version: '1',
      description:
        'Coalition state at any valid time (`at`), as known at any knowledge time (`knownAt`), with the reports that say so. ' +
        'See docs/semantics.md for the exact rules.',
    },
    paths: {
      '/coalitions': {
        get: { summary: 'Every coalition, with its name and member count at a valid time, as known at a knowledge time (default: now)', requestParams: { query: api.stateQuery }, responses: { '200': json(api.coalitionList, 'Coalitions'), '400': errors['400'], '503': errors['503'] } },
      },
      '/coalitions/{id}': {
        get: {
          summary: 'A coalition at a valid time, as known at a knowledge time',
          requestParams: { path: api.coalitionPath, query: api.coalitionStateQuery },
          responses: { '200': json(api.coalitionState, 'The members, their roles and sources'), ...errors },
        },
      },
      '/coalitions/{id}/members/{code}/sources': {
        get: {
          summary: "A member's sources at a valid time, as known at a knowledge time: every report that says so, a page at a time",
          requestParams: { path: api.memberPath, query: api.memberSourcesQuery },
          responses: { '200': json(api.memberSources, "The member's sources"), ...errors, '404': json(api.errorResponse, 'No such coalition or country, or the country is not a member then') },
        },
      },
      '/coalitions/{id}/timeline': {
        get: {
          summary: "Every visible report about a coalition, in fold order",
          requestParams: { path: api.coalitionPath, query: api.timelineQuery },
          responses: { '200': json(api.timeline, 'Timeline items'), ...errors },
        },
      },
      '/coalitions/{id}/history': {
        get: {
          summary: 'Every membership interval over valid time, as known at a knowledge time, a page at a time (the timeline page draws these)',
          requestParams: { path: api.coalitionPath, query: api.historyQuery },
          responses: { '200': json(api.history, 'Membership intervals'), ...errors },
        },
      },
      '/coalitions/{id}/diff': {
        get: {
          summary: 'Who joined and who left between two valid times',
          requestParams: { path: api.coalitionPath, query: api.diffQuery },
          responses: { '200': json(api.diff, 'Countries that joined and left'), ...errors },
        },
      },
      '/countries/{code}/coalitions': {
        get: {
          summary: 'The coalitions a country is a member of',
          requestParams: { path: api.countryPath, query: api.stateQuery },
          responses: { '200': json(api.countryCoalitions, 'Coalitions with the country\'s roles'), ...errors },
        },
      },
      '/reports/{id}': {
        get: {
          summary: 'One stored report and whether it was retracted',
          requestParams: { path: api.reportPath, query: api.emptyQuery },
          responses: { '200': json(api.report, 'The report'), ...errors },
        },
      },
    },
  });
}
