import type { Checkpoint } from './events';

const CHECKPOINT = /^(\d{1,20}):(\d{1,19})$/;

/** `<transaction id>:<position>`: a place in the log's global order, as a command prints it and takes it back. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  return `${checkpoint.transactionId}:${checkpoint.position}`;
}

/** The checkpoint a string spells, or why it spells none. */
export function parseCheckpoint(text: string): { ok: true; checkpoint: Checkpoint } | { ok: false; error: string } {
  const match = CHECKPOINT.exec(text.trim());
  if (!match) return { ok: false, error: `is not a checkpoint (<transaction id>:<position>, as annals export prints it), got ${JSON.stringify(text.slice(0, 120))}` };
  const position = Number(match[2]);
  if (!Number.isSafeInteger(position)) return { ok: false, error: `position ${match[2]} is past any log's end` };
  return { ok: true, checkpoint: { transactionId: BigInt(match[1]!).toString(), position } };
}

/** Whether `a` comes before `b` in the log's global order (transaction id, then position). */
export function isBefore(a: Checkpoint, b: Checkpoint): boolean {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  return ta < tb || (ta === tb && a.position < b.position);
}

/**
 * Whether two checkpoints are the same place in the log. Positions compare as numbers: a
 * checkpoint row's bigint comes back as a string unless the pool's INT8 parser is loaded.
 */
export function isSameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return a.transactionId === b.transactionId && Number(a.position) === Number(b.position);
}
