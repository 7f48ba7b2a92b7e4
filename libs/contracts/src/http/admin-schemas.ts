import { z } from 'zod';

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
  limit: whole(/^[1-9][0-9]{0,3}$/, `must be an integer from 1 to ${MAX_SKIPPED_EVENTS_PAGE}`)
    .refine((n) => n <= MAX_SKIPPED_EVENTS_PAGE, `must be an integer from 1 to ${MAX_SKIPPED_EVENTS_PAGE}`)
    .default(100),
});
