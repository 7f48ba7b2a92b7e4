import type { PoolClient } from 'pg';
import { arrayLiteral } from '@annals/database';
import type { StoredEventCore } from '@annals/event-store';
import type { FactRow } from './fact-row';
import type { SkippedEvent } from './read-facts';

/*
 * What the projection writes of the reports it leaves out (read_model.skipped_events, decision
 * 0012), and how it finds a report id a version would hold twice, which the facts' unique index
 * refuses.
 */

/** The skipped events of a batch, recorded in its transaction, so that the record and the checkpoint agree. */
export async function recordSkipped(skipped: ReadonlyArray<SkippedEvent>, tx: PoolClient, version: number): Promise<void> {
  await tx.query(
    `INSERT INTO read_model.skipped_events (version, position, stream_id, type, reason)
     SELECT $1, s.position, s.stream_id, s.type, s.reason FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS s(position, stream_id, type, reason)`,
    [version, skipped.map((s) => s.position), skipped.map((s) => s.streamId), skipped.map((s) => s.type), skipped.map((s) => s.reason)],
  );
}

/**
 * Whether an error is PostgreSQL refusing a report id that a version's facts hold already: a
 * batch's insert into an indexed facts partition, or the unique index being built on a
 * partition loaded without it (a rebuild). Each fact is one report, keyed by its id; the
 * ingestor never stores an id twice (it is the event's idempotency key), so only another writer
 * can cause it.
 */
export function isRepeatedReportId(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && typeof constraint === 'string' && /^facts_v\d+_report$/.test(constraint);
}

/**
 * The batch's facts split: those to insert, and, as skipped events naming the event that holds
 * the id, those whose report id the version holds already or an earlier fact of the batch has.
 */
export async function withoutRepeatedReportIds(
  events: ReadonlyArray<StoredEventCore>,
  facts: FactRow[],
  tx: PoolClient,
  version: number,
): Promise<{ facts: FactRow[]; repeated: SkippedEvent[] }> {
  const { rows } = await tx.query<{ report_id: string; position: number }>(
    'SELECT report_id, position FROM read_model.facts WHERE version = $1 AND report_id = ANY($2::text[])',
    [version, arrayLiteral(facts.map((f) => f.reportId))],
  );
  const holder = new Map(rows.map((r) => [r.report_id, r.position]));
  const streamOf = new Map(events.map((e) => [e.position, e.streamId]));
  const kept: FactRow[] = [];
  const repeated: SkippedEvent[] = [];
  for (const fact of facts) {
    const at = holder.get(fact.reportId);
    if (at === undefined) {
      holder.set(fact.reportId, fact.position);
      kept.push(fact);
    } else {
      repeated.push({ position: fact.position, streamId: streamOf.get(fact.position)!, type: fact.type, reason: repeatedReason(fact.reportId, at) });
    }
  }
  return { facts: kept, repeated };
}

/**
 * A version loaded without indexes (a rebuild) may hold a report id more than once, which
 * its unique index then refuses: every fact but the first by position of each such id is
 * deleted and recorded as skipped, in one statement. Run only when building that index failed
 * so (isRepeatedReportId): it reads the whole partition. Returns the skipped events.
 */
export async function skipRepeatedReportIds(tx: PoolClient, version: number): Promise<SkippedEvent[]> {
  const { rows } = await tx.query<{ position: number; stream_id: string; type: string; reason: string }>(
    `WITH repeated AS (
       DELETE FROM read_model.facts f
        USING (SELECT report_id, min(position) AS first FROM read_model.facts WHERE version = $1 GROUP BY report_id HAVING count(*) > 1) d
        WHERE f.version = $1 AND f.report_id = d.report_id AND f.position > d.first
       RETURNING f.position, f.type, f.report_id, d.first
     )
     INSERT INTO read_model.skipped_events (version, position, stream_id, type, reason)
     SELECT $1, r.position, e.stream_id, r.type, $2 || to_json(r.report_id)::text || $3 || r.first
       FROM repeated r JOIN event_store.events e ON e.position = r.position
     RETURNING position, stream_id, type, reason`,
    [version, REPEATED_REASON[0], REPEATED_REASON[1]],
  );
  return rows.map((r) => ({ position: r.position, streamId: r.stream_id, type: r.type, reason: r.reason }));
}


/** Why a report is skipped whose id the read model holds already: the text around the id (as JSON) and the holder's position, for Node and SQL alike. */
const REPEATED_REASON = ['the read model holds report id ', ' already, from the event at position '] as const;
const repeatedReason = (reportId: string, position: number) => `${REPEATED_REASON[0]}${JSON.stringify(reportId)}${REPEATED_REASON[1]}${position}`;
