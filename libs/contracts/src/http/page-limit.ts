import { z } from 'zod';

/**
 * A page's `limit` query parameter: digits only (`1e3`, `0x10`, ` 7` or `7.0` are refused), from
 * 1 to `max`, as a number. The admin API's skipped reports and the timeline's pages take it.
 */
export function pageLimit(max: number) {
  const message = `must be an integer from 1 to ${max}`;
  return z
    .string()
    .regex(new RegExp(`^[1-9][0-9]{0,${String(max).length - 1}}$`), message)
    .transform(Number)
    .refine((n) => n <= max, message);
}
