import { z } from 'zod';

/** Digits only, from `min` to `max`, as a number (`1e3`, `0x10`, ` 7` or `7.0` are refused). */
function boundedCount(min: 0 | 1, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  const digits = min === 0 ? `^(0|[1-9][0-9]{0,${String(max).length - 1}})$` : `^[1-9][0-9]{0,${String(max).length - 1}}$`;
  return z
    .string()
    .regex(new RegExp(digits), message)
    .transform(Number)
    .refine((n) => n <= max, message);
}

/**
 * A page's `limit` query parameter: digits only (`1e3`, `0x10`, ` 7` or `7.0` are refused), from
 * 1 to `max`, as a number. The admin API's skipped reports, the timeline's pages and a member's sources take it.
 */
export function pageLimit(max: number) {
  return boundedCount(1, max);
}

/** How many of a list to give (the coalition state's `sources`): as pageLimit, from 0. */
export function sourceCount(max: number) {
  return boundedCount(0, max);
}
