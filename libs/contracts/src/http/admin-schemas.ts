import { z } from 'zod';
import { pageLimit } from './page-limit';

/**
 * The admin API's parameters (GET/POST /admin/..., token-guarded, for operators; not in
 * /openapi.json, which documents the questions). Validated like the questions' (ZodPipe): a
 * failure is a 400 naming the parameter; query objects are strict.
 */

/** Digits only, as a number: `1e3`, `0x10`, ` 7` or `7.0` are not a version or a position. */
const whole = (pattern: RegExp, message: string) => z.string().regex(pattern, message).transform(Number);

export const versionPath = z.strictObject({ version: whole(/^[1-9][0-9]{0,8}$/, 'must be a read-model version, a positive integer like 1') });

export const MAX_SKIPPED_EVENTS_PAGE = 1000;
/** A page of a version's skipped reports: after a position (0: from the first), at most `limit` (100 unless given). */
export const skippedEventsQuery = z.strictObject({
  after: whole(/^(0|[1-9][0-9]{0,14})$/, 'must be an event position, a non-negative integer (the last position of the previous page)').default(0),
  limit: pageLimit(MAX_SKIPPED_EVENTS_PAGE).default(100),
});

/** The read models `POST /admin/replay` can rebuild (libs/projections names each; there is one). */
export const REBUILDABLE_PROJECTIONS = ['coalition-membership'] as const;

/**
 * POST /admin/replay's body, optional: which read model to rebuild. Strict like the queries: a
 * body naming another read model, or a field it does not know, used to start a rebuild anyway.
 */
export const replayBody = z.strictObject({
  projection: z
    .string()
    .superRefine((name, ctx) => {
      if (!(REBUILDABLE_PROJECTIONS as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', message: `unknown projection ${JSON.stringify(name.slice(0, 100))} (known: ${REBUILDABLE_PROJECTIONS.join(', ')})`, input: name });
      }
    })
    .optional(),
});

/** An admin call that takes no query parameters: one given is refused, not ignored. */
export const noQuery = z.strictObject({});
