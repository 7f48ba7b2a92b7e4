import { z } from 'zod';
import { newsEventV1, NEWS_EVENT_TYPES, SUPPORTED_SCHEMA_VERSION, type NewsEvent } from './news-event.v1';
import type { Rejection, RejectionReason } from './rejection';

export const MAX_MESSAGE_BYTES = 1024 * 1024;

export type ParseResult = { ok: true; event: NewsEvent } | { ok: false; rejection: Rejection };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const COUNTRY_FIELDS = new Set(['country', 'initiator', 'proposer', 'theater', 'participants']);
const DATE_FIELDS = new Set(['occurredAt', 'publishedAt', 'endsAt']);
const MAX_DETAILS = 5;

/**
 * The contract's schema compiled by zod (z.compile: a flat validator for the valid case, the
 * schema's own parse, with the same issues, for the rest). Every message goes through it: as the
 * schema walked, validation was about a seventh of the ingestor's CPU in a profile of the
 * end-to-end run. 20,000 reports of the benchmark's shape: 13.4-16.3 µs per report walked,
 * 2.3-3.3 µs compiled, with the same results for every one.
 */
const compiledNewsEventV1 = z.compile(newsEventV1);

const reject = (reason: RejectionReason, detail: string): ParseResult => ({ ok: false, rejection: { reason, detail } });

/** The refusal of a message of `size` bytes, over MAX_MESSAGE_BYTES (also said by readers that stop reading it there). */
export const tooLarge = (size: number): Rejection => ({ reason: 'payload-too-large', detail: `the message is ${size} bytes; the limit is ${MAX_MESSAGE_BYTES} (1 MiB)` });

/** The escape of a NUL, or of a UTF-16 surrogate (\uD800 to \uDFFF), in JSON text. */
const NUL_OR_SURROGATE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Whether a key or string of the parsed message could hold a NUL or a lone surrogate, which are
 * looked for value by value (a reviver makes JSON.parse several times slower). JSON text can
 * hold a NUL only as the escape \u0000 (a raw control character is a syntax error), and a
 * surrogate either escaped or raw, where a lone one makes the text itself ill-formed. Text
 * without either cannot (an escaped backslash followed by `u0000` is a false alarm: it takes
 * the slow path and passes).
 */
function mayHoldUnstorable(text: string): boolean {
  return NUL_OR_SURROGATE_ESCAPE.test(text) || !text.isWellFormed();
}

/**
 * Raw Kafka message value → a valid news event, or the reason it is not one.
 * Never throws: whatever the bytes, the caller gets a result it can act on.
 */
export function parseNewsEvent(value: Buffer | Uint8Array | string | null | undefined): ParseResult {
  if (value === null || value === undefined) return reject('not-json', 'the message has no value (a tombstone)');
  const size = typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
  if (size > MAX_MESSAGE_BYTES) return { ok: false, rejection: tooLarge(size) };
  let text: string;
  try {
    // A leading byte order mark is dropped, from bytes by the decoder (ignoreBOM false), and from
    // text here, so that the ingestor and `annals publish` agree (RFC 8259 lets parsers ignore it).
    text = typeof value === 'string' ? (value.startsWith('\uFEFF') ? value.slice(1) : value) : utf8.decode(value);
  } catch {
    return reject('not-utf8', 'the message bytes are not valid UTF-8');
  }
  let json: unknown;
  let unstorable: string | undefined;
  try {
    json = mayHoldUnstorable(text)
      ? JSON.parse(text, (key, v: unknown) => {
          for (const s of typeof v === 'string' ? [key, v] : [key]) {
            if (s.includes('\u0000')) unstorable = 'a field contains a NUL character (\\u0000), which PostgreSQL cannot store';
            else if (!s.isWellFormed()) unstorable = 'a field contains a lone UTF-16 surrogate (like \\ud800), which is not text';
          }
          return v;
        })
      : JSON.parse(text);
  } catch (error) {
    return reject('not-json', `the message is not JSON: ${error instanceof Error ? error.message.slice(0, 200) : 'parse error'}`);
  }
  // Refused here, with a reason, rather than later by PostgreSQL as an error that looks transient.
  if (unstorable) return reject('contract-violation', unstorable);
  return validateNewsEvent(json);
}

/** A parsed JSON value → a valid news event, or the reason it is not one. */
export function validateNewsEvent(json: unknown): ParseResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return reject('not-an-object', `the message is a JSON ${json === null ? 'null' : Array.isArray(json) ? 'array' : typeof json}, not an object`);
  }
  const candidate = json as Record<string, unknown>;
  if (typeof candidate.type !== 'string') return reject('contract-violation', 'type: is required and must be a string');
  if (!(NEWS_EVENT_TYPES as string[]).includes(candidate.type)) {
    return reject('unknown-type', `type: ${JSON.stringify(candidate.type.slice(0, 100))} is not one of ${NEWS_EVENT_TYPES.join(', ')}`);
  }
  const version = candidate.schemaVersion;
  if (typeof version === 'number' && Number.isInteger(version) && version > SUPPORTED_SCHEMA_VERSION) {
    return reject('unsupported-version', `schemaVersion: ${version} is newer than the supported version ${SUPPORTED_SCHEMA_VERSION}`);
  }
  const result = compiledNewsEventV1.safeParse(json, { reportInput: true });
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, rejection: describeIssues(result.error.issues) };
}

function describeIssues(issues: z.core.$ZodIssue[]): Rejection {
  const fieldOf = (issue: z.core.$ZodIssue) => [...issue.path].reverse().find((p) => typeof p === 'string') as string | undefined;
  const reason: RejectionReason = issues.some((i) => DATE_FIELDS.has(fieldOf(i) ?? ''))
    ? 'invalid-date'
    : // (a country listed twice is a valid code, in the wrong place)
      issues.some((i) => COUNTRY_FIELDS.has(fieldOf(i) ?? '') && i.code !== 'invalid_type' && !(i.code === 'custom' && i.params?.duplicate === true))
      ? 'invalid-country'
      : 'contract-violation';
  const lines = issues.slice(0, MAX_DETAILS).map((issue) => {
    const path = issue.path.map(String).join('.') || '(message)';
    if (issue.code === 'unrecognized_keys') return `${path === '(message)' ? '' : path + ': '}unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    const input = 'input' in issue && issue.input !== undefined && typeof issue.input !== 'object' ? ` (got ${JSON.stringify(issue.input).slice(0, 80)})` : '';
    return `${path}: ${issue.message}${input}`;
  });
  if (issues.length > MAX_DETAILS) lines.push(`and ${issues.length - MAX_DETAILS} more`);
  return { reason, detail: lines.join('; ') };
}
