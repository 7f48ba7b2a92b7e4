import { hash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { NewsEvent } from '@annals/contracts';

/**
 * The fingerprint of a report's content: sha256 of its normalized form with keys sorted.
 * Two messages that differ only in key order, whitespace or date spelling
 * ("2014-09-19" vs "2014-09-19T00:00:00Z") have the same digest: a redelivery.
 */
export function reportDigest(event: NewsEvent): string {
  // crypto.hash, one shot: half the time of a createHash object for a report's few hundred bytes
  return hash('sha256', stringify(event)!, 'hex');
}

/**
 * The fingerprint of the fact a report states, whoever reported it: type, valid time and
 * data. Reports with the same fact key corroborate each other.
 */
export function factKey(event: NewsEvent): string {
  return hash('sha256', stringify({ type: event.type, occurredAt: event.occurredAt, data: event.data })!, 'hex');
}
