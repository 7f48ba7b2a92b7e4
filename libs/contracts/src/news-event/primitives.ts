import { z } from 'zod';
import countries from 'i18n-iso-countries';
import { instantText } from './instant';

/** ISO 3166-1 alpha-2 codes, upper case (with XK, Kosovo, as news agencies use it). */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(Object.keys(countries.getAlpha2Codes()));

export const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166-1 alpha-2 country code, like FR')
  .refine((code) => COUNTRY_CODES.has(code), { message: 'is not an ISO 3166-1 alpha-2 country code' })
  .meta({ description: 'Upper-case ISO 3166-1 alpha-2 country code', examples: ['FR', 'US', 'SY'] });

export const coalitionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must match ^[a-z0-9][a-z0-9-]{0,63}$ (lower case, digits, dashes)')
  .meta({ description: 'Stable id of a coalition', examples: ['coalition-against-isis'] });

/** YYYY-MM-DD (00:00:00Z of that day) or RFC 3339 with an offset, normalized to an ISO instant in UTC. */
export const instant = instantText((parsed) => parsed.iso)
  .meta({ description: 'YYYY-MM-DD (taken as 00:00:00Z) or an RFC 3339 date-time with offset', examples: ['2014-09-19', '2015-12-09T08:30:00+03:00'] });

/**
 * A report's id: the message's own `id`, a retraction's `reportId`, and the HTTP API's report ids.
 * No NUL: PostgreSQL's text cannot hold one (a message's is refused before this, with any other
 * field's; a URL's `%00` reached PostgreSQL, whose refusal was a 500).
 */
export const reportId = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\u0000]*$/, 'must not contain a NUL character (\\u0000)');
export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const ROLE_KINDS = ['air-strikes', 'ground-forces', 'training', 'military-assistance', 'logistics', 'intelligence', 'other'] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

export const role = z
  .strictObject({
    kind: z.enum(ROLE_KINDS, { error: `must be one of ${ROLE_KINDS.join(', ')}` }),
    theater: countryCode.optional().meta({ description: 'The country where the role is carried out' }),
  })
  .meta({ id: 'Role', description: 'What a member does in a coalition, optionally where' });
export type Role = z.output<typeof role>;

export const source = z
  .strictObject({
    publisher: text(200).meta({ description: 'Who published the report', examples: ['TASS'] }),
    url: z
      .string()
      .max(2048, 'must be at most 2048 characters')
      .refine((value) => {
        try {
          const url = new URL(value);
          return url.protocol === 'http:' || url.protocol === 'https:';
        } catch {
          return false;
        }
      }, 'must be an absolute http(s) URL')
      .optional(),
    publishedAt: instant.optional().meta({
      description: 'When the world could know it (knowledge time). Absent: the time Annals recorded the report.',
    }),
    title: text(500).optional(),
  })
  .meta({ id: 'Source', description: 'The article or agency that reported the event' });
export type Source = z.output<typeof source>;
