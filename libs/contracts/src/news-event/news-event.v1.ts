import { z } from 'zod';
import { coalitionId, countryCode, instant, reportId, role, source, text, type Role } from './primitives';

/**
 * The news-event message contract, version 1: one JSON object per Kafka message.
 * This file is the single source of the contract's rules, its TypeScript types and its
 * JSON Schema (docs/contract/news-event.v1.schema.json is generated from it).
 * Objects are strict: an unknown field is an error, so a typo never passes silently.
 */

export const SUPPORTED_SCHEMA_VERSION = 1;

const envelope = {
  id: reportId.meta({ description: 'The id of this report; redelivering the same report is a no-op' }),
  schemaVersion: z.literal(1, { error: 'must be 1' }).default(1).meta({ description: 'Version of this contract the message follows' }),
  occurredAt: instant.meta({ description: 'When it happened in the world (valid time). A date alone means 00:00:00Z.' }),
  source,
};

/**
 * A list in which an item may appear once: a country listed twice among a meeting's
 * participants, or a role twice among a member's, is a producer's slip that would read as two.
 * The JSON Schema says so with uniqueItems.
 */
function distinct<T extends z.ZodType>(list: z.ZodArray<T>, key: (item: z.output<T>) => string) {
  return list
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      for (const [i, item] of items.entries()) {
        const k = key(item);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `lists ${k} twice`, input: items, params: { duplicate: true } });
        seen.add(k);
      }
    })
    .meta({ uniqueItems: true });
}
const roleText = (r: Role) => (r.theater ? `${r.kind} in ${r.theater}` : r.kind);

/** The coalitionId extension of non-membership reports: they then show on that coalition's timeline. */
const relatedCoalition = coalitionId.optional().meta({ description: 'Annals extension: the coalition this report concerns, shown on its timeline' });

const message = <T extends string, D extends z.ZodType>(type: T, data: D, description: string) =>
  z.strictObject({ ...envelope, type: z.literal(type), data }).meta({ id: type, description });

export const coalitionFormed = message(
  'coalition.formed',
  z.strictObject({ coalitionId, name: text(200), initiator: countryCode.optional(), place: text(200).optional() }),
  'A coalition was formed',
);
export const memberJoined = message(
  'coalition.member-joined',
  z.strictObject({ coalitionId, country: countryCode, roles: distinct(z.array(role).max(20, 'must have at most 20 roles'), roleText).optional() }),
  'A country joined a coalition, optionally with roles',
);
export const memberLeft = message('coalition.member-left', z.strictObject({ coalitionId, country: countryCode }), 'A country left a coalition: its membership and all roles end');
export const roleStarted = message(
  'coalition.role-started',
  z.strictObject({ coalitionId, country: countryCode, role }),
  'A member took on a role; a country not yet a member at that time becomes one',
);
export const roleEnded = message('coalition.role-ended', z.strictObject({ coalitionId, country: countryCode, role }), 'A member stopped a role');
export const reportRetracted = message(
  'report.retracted',
  z.strictObject({ reportId }),
  'Withdraws every fact of an earlier report, from this message\'s knowledge time on',
);
export const coalitionProposed = message(
  'coalition.proposed',
  z.strictObject({ coalitionId, name: text(200), proposer: countryCode }),
  'A coalition was proposed (shown on timelines; changes no membership)',
);
export const diplomacyMeeting = message(
  'diplomacy.meeting',
  z.strictObject({
    participants: distinct(z.array(countryCode).min(1, 'must name at least one country').max(200, 'must have at most 200 countries'), (country) => country),
    place: text(200).optional(),
    endsAt: instant.optional().meta({ description: 'When the meeting ended, written as occurredAt is; not before occurredAt' }),
    topics: z.array(text(200)).max(50, 'must have at most 50 topics'),
    coalitionId: relatedCoalition,
  }),
  'A diplomatic meeting (shown on timelines; changes no membership)',
);
export const stanceDeclared = message(
  'stance.declared',
  z.strictObject({
    country: countryCode,
    subject: text(200),
    stance: z.enum(['supports', 'opposes', 'condemns', 'neutral'], { error: 'must be one of supports, opposes, condemns, neutral' }),
    coalitionId: relatedCoalition,
  }),
  'A country declared a stance on a subject (shown on timelines)',
);
export const territoryControlReported = message(
  'territory.control-reported',
  z.strictObject({
    actor: text(200),
    country: countryCode,
    share: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
    coalitionId: relatedCoalition,
  }),
  'An actor controls a share of a country\'s territory (shown on timelines)',
);

export const newsEventV1 = z
  .discriminatedUnion('type', [
    coalitionFormed,
    memberJoined,
    memberLeft,
    roleStarted,
    roleEnded,
    reportRetracted,
    coalitionProposed,
    diplomacyMeeting,
    stanceDeclared,
    territoryControlReported,
  ])
  .superRefine((event, ctx) => {
    if (event.type === 'report.retracted' && event.data.reportId === event.id) {
      ctx.addIssue({ code: 'custom', path: ['data', 'reportId'], message: 'a report cannot retract itself' });
    }
    // (both are ISO instants in UTC by now, whatever offsets they were written with)
    if (event.type === 'diplomacy.meeting' && event.data.endsAt !== undefined && Date.parse(event.data.endsAt) < Date.parse(event.occurredAt)) {
      ctx.addIssue({ code: 'custom', path: ['data', 'endsAt'], message: `is before occurredAt (${event.occurredAt}): a meeting ends after it starts`, input: event.data.endsAt });
    }
  })
  .meta({ id: 'NewsEventV1', title: 'Annals news event, contract v1' });

export type NewsEvent = z.output<typeof newsEventV1>;
export type NewsEventInput = z.input<typeof newsEventV1>;
export type NewsEventType = NewsEvent['type'];
export type NewsEventOf<T extends NewsEventType> = Extract<NewsEvent, { type: T }>;

export const NEWS_EVENT_TYPES = newsEventV1.options.map((o) => o.shape.type.value) as NewsEventType[];

/** The types that change coalition membership and roles. */
export const MEMBERSHIP_TYPES = ['coalition.member-joined', 'coalition.member-left', 'coalition.role-started', 'coalition.role-ended'] as const;
export type MembershipType = (typeof MEMBERSHIP_TYPES)[number];
export function isMembershipEvent(event: NewsEvent): event is NewsEventOf<MembershipType> {
  return (MEMBERSHIP_TYPES as readonly string[]).includes(event.type);
}
