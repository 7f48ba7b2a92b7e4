/**
 * The contract's two time formats: a calendar date (YYYY-MM-DD) or an RFC 3339 date-time
 * with an offset. Parsed by hand because the rules are strict and small: real calendar days,
 * years 1000-9999, no leap seconds, an offset always present.
 */
import { z } from 'zod';

export type InstantParse = { ok: true; iso: string; dateOnly: boolean } | { ok: false; error: string };

export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
export const DATE_OR_DATETIME_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}([Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2}))?$';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month of the proleptic Gregorian calendar (the one Date and PostgreSQL use). */
function daysIn(year: number, month: number): number {
  return month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function checkDate(year: number, month: number, day: number): string | undefined {
  if (year < 1000 || year > 9999) return `year ${year} is outside 1000-9999`;
  if (month < 1 || month > 12) return `month ${String(month).padStart(2, '0')} does not exist`;
  if (day < 1 || day > daysIn(year, month)) return `day ${String(day).padStart(2, '0')} does not exist in ${year}-${String(month).padStart(2, '0')}`;
  return undefined;
}

/** A date alone means 00:00:00Z of that day; a date-time is converted to UTC. */
export function parseInstant(text: string): InstantParse {
  const date = DATE.exec(text);
  if (date) {
    const problem = checkDate(Number(date[1]), Number(date[2]), Number(date[3]));
    if (problem) return { ok: false, error: problem };
    // what toISOString prints for 00:00 UTC of a real day of a four-digit year, without a Date:
    // every report has two instants, and most are dates
    return { ok: true, iso: `${text}T00:00:00.000Z`, dateOnly: true };
  }
  const dt = DATE_TIME.exec(text);
  if (!dt) return { ok: false, error: 'must be YYYY-MM-DD or an RFC 3339 date-time with an offset, like 2014-09-19T10:00:00Z' };
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(dt[i]));
  const problem = checkDate(year!, month!, day!);
  if (problem) return { ok: false, error: problem };
  if (hour! > 23) return { ok: false, error: `hour ${dt[4]} does not exist` };
  if (minute! > 59) return { ok: false, error: `minute ${dt[5]} does not exist` };
  if (second! > 59) return { ok: false, error: `second ${dt[6]} is not supported (no leap seconds)` };
  let offsetMinutes = 0;
  if (!dt[8]) {
    const [oh, om] = [Number(dt[10]), Number(dt[11])];
    if (oh > 23 || om > 59) return { ok: false, error: `offset ${dt[9]}${dt[10]}:${dt[11]} does not exist` };
    offsetMinutes = (dt[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = dt[7] ? Math.floor(Number(`0${dt[7]}`) * 1000) : 0;
  const utc = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, millis) - offsetMinutes * 60_000;
  return { ok: true, iso: new Date(utc).toISOString(), dateOnly: false };
}

/** A zod string in one of the two formats, checked by parseInstant and converted by `convert`. */
export function instantText<T>(convert: (parsed: { iso: string; dateOnly: boolean }) => T) {
  return z
    .string()
    .max(40, 'is too long for a date')
    .regex(new RegExp(DATE_OR_DATETIME_PATTERN), 'must be YYYY-MM-DD or an RFC 3339 date-time with an offset, like 2014-09-19T10:00:00Z')
    .transform((text, ctx) => {
      const parsed = parseInstant(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error, input: text });
        return z.NEVER;
      }
      return convert(parsed);
    });
}
