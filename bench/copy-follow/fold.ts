/**
 * What it would cost the api to keep its copy of the read model current under ingest by applying
 * the log itself, with the domain's own fold (decision 0006, "Measured, not built: a copy that
 * follows the log"). Not part of `npm run bench`.
 *
 *   node --max-semi-space-size=32 -r @swc-node/register bench/copy-follow/fold.ts [batch]
 *
 * Loads every membership fact of the active read model of bench_1000000 (the data set
 * `bench/state-copy-memory.ts` leaves) into memory by pair, then applies 100,000 new bench reports
 * in batches of `batch` (3,000 unless given, about what the projector's batches hold while it is
 * behind at that size): each batch's membership facts join their pairs, every pair a batch
 * touched is recomputed whole with membershipHistory, and each of its rows rendered as the copy
 * renders a member. Prints the CPU seconds, per event, and each batch's time on the one thread.
 * What it leaves out, and a follower would add: reading the events from the store, retractions,
 * and handing the new rows to the thread that answers.
 */
import { Pool } from 'pg';
import { MEMBERSHIP_TYPES } from '@annals/contracts';
import { membershipHistory, type MembershipFact } from '@annals/domain';
import { BenchContext } from '../lib/bench-context';
import { benchReport, rng } from '../lib/dataset';

async function main() {
  const batch = Number(process.argv[2] ?? 3000);
  const ctx = new BenchContext();
  await ctx.up();
  const pool = new Pool({ connectionString: ctx.settings.databaseUrl.replace(/\/[^/]+$/, '/bench_1000000'), max: 1 });
  const pairs = new Map<string, MembershipFact[]>();
  const t0 = Date.now();
  const { rows } = await pool.query<[string, string, string, MembershipFact['type'], number, number, number, MembershipFact['roles'], number | null]>({
    text: `SELECT f.coalition_id, f.country, f.report_id, f.type, (extract(epoch from f.occurred_at)*1000)::float8, (extract(epoch from f.known_at)*1000)::float8, f.position::float8, f.roles,
                  (extract(epoch from f.retracted_at)*1000)::float8
             FROM read_model.facts f JOIN read_model.versions v ON v.version = f.version AND v.state = 'active' WHERE f.type = ANY($1::text[])`,
    values: [[...MEMBERSHIP_TYPES]],
    rowMode: 'array',
  });
  for (const r of rows) {
    const key = `${r[0]} ${r[1]}`;
    const fact: MembershipFact = { reportId: r[2], type: r[3], occurredAt: r[4], knownAt: r[5], position: r[6], roles: r[7], retractedAt: r[8] };
    const list = pairs.get(key);
    if (list) list.push(fact);
    else pairs.set(key, [fact]);
  }
  console.log(`loaded ${rows.length} facts of ${pairs.size} pairs in ${Date.now() - t0} ms`);
  await pool.end();

  const random = rng(4242);
  const events = Array.from({ length: 100_000 }, (_, i) => benchReport(random, `fold-${i}`));
  const batchMs: number[] = [];
  let rowsWritten = 0;
  const cpu0 = process.cpuUsage();
  for (let b = 0; b < events.length; b += batch) {
    const started = process.hrtime.bigint();
    const touched = new Set<string>();
    events.slice(b, b + batch).forEach((e, i) => {
      if (!(MEMBERSHIP_TYPES as readonly string[]).includes(e.type)) return;
      const data = e.data as { coalitionId: string; country: string; roles?: unknown[]; role?: unknown };
      const key = `${data.coalitionId} ${data.country}`;
      const fact: MembershipFact = {
        reportId: e.id,
        type: e.type as MembershipFact['type'],
        occurredAt: Date.parse(e.occurredAt),
        knownAt: Date.parse(e.source.publishedAt!),
        position: 5_000_000 + b + i,
        roles: (data.roles ?? (data.role ? [data.role] : [])) as MembershipFact['roles'],
        retractedAt: null,
      };
      const list = pairs.get(key);
      if (list) list.push(fact);
      else pairs.set(key, [fact]);
      touched.add(key);
    });
    for (const key of touched) {
      const history = membershipHistory(pairs.get(key)!);
      for (const row of history) {
        JSON.stringify({ since: new Date(row.state.since).toISOString(), roles: row.state.roles });
        rowsWritten++;
      }
    }
    batchMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  batchMs.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      batch,
      cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      perEventMs: +((cpu.user + cpu.system) / 1e3 / events.length).toFixed(3),
      batchMs: { p50: +batchMs[Math.floor(batchMs.length / 2)]!.toFixed(1), max: +batchMs[batchMs.length - 1]!.toFixed(1) },
      rowsRendered: rowsWritten,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
