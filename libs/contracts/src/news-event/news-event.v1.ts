import { z } from 'zod';
import { coalitionId, countryCode, instant, reportId, role, source, text } from './primitives';

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
  z.strictObject({ coalitionId, country: countryCode, roles: z.array(role).max(20, 'must have at most 20 roles').optional() }),
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
    participants: z.array(countryCode).min(1, 'must name at least one country').max(200, 'must have at most 200 countries'),
    place: text(200).optional(),
    endsAt: instant.optional(),
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
  .refine((event) => event.type !== 'report.retracted' || event.data.reportId !== event.id, {
    message: 'a report cannot retract itself',
    path: ['data', 'reportId'],
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
