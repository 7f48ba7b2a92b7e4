/**
 * A digest of the log up to a place in its global order (transaction id, position), with the
 * number of events it covers: taken by `annals verify`, kept elsewhere by the operator, and
 * checked against the log later (event_store.log_anchor / log_digest, migration 1764300022000).
 */
export interface LogAnchor {
  transactionId: string;
  position: string;
  events: number;
  /** sha256, hex. */
  digest: string;
}

const PREFIX = 'v1';
const ANCHOR = /^v1:(\d{1,20}):(\d{1,19}):(\d{1,19}):([0-9a-f]{64})$/;

/** `v1:<transaction id>:<position>:<events>:<sha256 hex>`: one word, to paste into a ticket or a file. */
export function formatAnchor(anchor: LogAnchor): string {
  return `${PREFIX}:${anchor.transactionId}:${anchor.position}:${anchor.events}:${anchor.digest}`;
}

/** The anchor a string spells, or why it spells none. */
export function parseAnchor(text: string): { ok: true; anchor: LogAnchor } | { ok: false; error: string } {
  const match = ANCHOR.exec(text.trim());
  if (!match) return { ok: false, error: `is not an anchor that annals verify printed (v1:<transaction id>:<position>:<events>:<64 hex digits>), got ${JSON.stringify(text.slice(0, 120))}` };
  const events = Number(match[3]);
  if (!Number.isSafeInteger(events)) return { ok: false, error: `counts ${match[3]} events, more than any log holds` };
  return { ok: true, anchor: { transactionId: match[1]!, position: match[2]!, events, digest: match[4]! } };
}
