/**
 * Why a message was not accepted. The code travels in the dead-letter header
 * `annals-dlq-reason`; `annals dlq redrive --reason` selects by it.
 */
export const REJECTION_REASONS = {
  'payload-too-large': 'the message is larger than 1 MiB',
  'not-utf8': 'the message is not valid UTF-8',
  'not-json': 'the message is not JSON',
  'not-an-object': 'the message is JSON but not an object',
  'unknown-type': 'the type is not one of the contract\'s types',
  'unsupported-version': 'the schemaVersion is newer than this Annals supports (re-drive after upgrading)',
  'invalid-country': 'a country is not an ISO 3166-1 alpha-2 code',
  'invalid-date': 'a date is not YYYY-MM-DD or RFC 3339 with offset, or does not exist, or publishedAt lies more than a year ahead',
  'contract-violation': 'a field is missing, unknown or malformed',
  'id-conflict': 'the report id is stored already with different content',
  'processing-failed': 'storing it failed with an error that is not transient; the detail names it',
} as const;

export type RejectionReason = keyof typeof REJECTION_REASONS;

export interface Rejection {
  reason: RejectionReason;
  /** Which field, what was wrong; for people reading the dead-letter topic. */
  detail: string;
}
