import { writeFileSync } from 'node:fs';
import { FLOOR_CHAINED, type AppendResult } from './append.bench';
import { ANSWER_ROWS_PART, type AppendAnatomy } from './lib/append-anatomy';
import type { AppendScaleResult } from './append-scale.bench';
import type { AppAlone, E2eScaleApart, E2eScaleResult } from './e2e-scale.bench';
import type { BurstObserver, BurstPhase, BurstPhases, BurstProfile, E2eResult } from './e2e.bench';
import type { ReplayResult } from './replay.bench';
import type { QueryResult } from './queries.bench';
import type { BenchResults } from './run';
import { fmt, pairedRatios, ratio, targetFigure, type Summary } from './lib/stats';
import { chainCost } from './lib/chain-cost';
import { appendReach } from './lib/append-reach';
import { burstWithoutSteal } from './lib/burst-steal';
import type { StatementCost } from './lib/pg-stats';
import type { PostgresWork } from './lib/postgres-work';

/** " (lowest–highest)" of the trial-by-trial ratios of `a` to `b` (stats' pairedRatios), or nothing. */
function pairedRange(a: Summary | undefined, b: Summary): string {
  const ratios = a ? pairedRatios(a, b) : [];
  return ratios.length > 1 ? ` (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})` : '';
}

/** docs/benchmarks.md from the results, with a PASS/FAIL line per target. Returns the verdicts. */
export function writeReport(r: BenchResults, file: string): string[] {
  const verdicts: string[] = [];
  const verdict = (ok: boolean, text: string) => {
    const line = `${ok ? 'PASS' : 'FAIL'}  ${text}`;
    verdicts.push(line);
    return line;
  };
  /** A target's line: PASS or FAIL, then the measured figure (targetFigure: a miss never prints as the limit itself). */
  const target = (text: string, value: number, op: '≥' | '≤', limit: number, digits: number, unit: string) => {
    const ok = op === '≥' ? value >= limit : value <= limit;
    return verdict(ok, `${text} (${fmt(targetFigure(value, op, limit, digits), digits)}${unit})`);
  };
  const spread = (s: Summary) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
  const md: string[] = [];
  md.push('# Benchmarks', '');
  md.push(
    `Measured ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}; ` +
      'Kafka, PostgreSQL and Node share those cores. Every figure is a ratio to a baseline measured in the same run: contenders run interleaved (A B B A ...), ' +
      `${r.quick ? '2 trials (--quick: a smoke run, not a result)' : '5 trials or more (the count is given per section where it differs)'} each, median with the range (min–max) of the trials. ` +
      'Reproduce with `npm run bench` (its own Kafka and PostgreSQL, profile `bench`; `-- --quick` for a smoke run, `-- --only e2e` to re-measure one section and keep the others, `-- --report-only` to rewrite this page from the last raw results, `BENCH_CPU_PROF=<dir>` for the apps\' V8 CPU profiles); raw numbers: [bench/results/results.json](../bench/results/results.json).',
    '',
  );
  const when = Object.entries(r.measuredAt ?? {});
  if (new Set(when.map(([, at]) => at)).size > 1) {
    md.push(`Sections measured in different runs (\`--only\`): ${when.map(([section, at]) => `${section} ${at.slice(0, 16).replace('T', ' ')} UTC`).join(', ')}.`, '');
  }
  const on = Object.entries(r.measuredOn ?? {});
  if (new Set(on.map(([, cpu]) => cpu)).size > 1) {
    // The VM moved between hosts: ratios hold within a section, not figures across sections.
    md.push(`Sections measured on different processors (the machine's VM moved between hosts): ${on.map(([section, cpu]) => `${section} on ${cpu}`).join(', ')}.`, '');
  }
  const stolen = Object.entries(r.stolen ?? {});
  if (stolen.length > 0) {
    // A shared machine's neighbours: in a busy spell the hypervisor runs them on our cores.
    md.push(
      `Share of the cores' time the hypervisor gave other machines while each section ran (steal, from /proc/stat; the sections not listed were measured before it was recorded): ${stolen.map(([section, share]) => `${section} ${fmt(100 * share!, 1)}%`).join(', ')}. ` +
        'Ratios within a run mostly cancel it; fixed limits (the burst\'s 5 s, the queries\' milliseconds) do not.',
      '',
    );
  }

  if (r.append) {
    md.push(
      '## 1. Append throughput (events/s)',
      '',
      'Batches of ~512-byte events; each writer appends to streams of its own with exact expected versions. Emmett: `@event-driven-io/emmett-postgresql` `appendToStream`. ' +
        'Raw: a multi-row `INSERT` (and `COPY` for 100) of the same rows into a table with a primary key and a unique (stream, version). ' +
        'Floor: the least any append must do to keep what Annals keeps, as plainly as possible: one `INSERT` (and `COPY` for 100) of the rows into a table with the event log\'s constraints and indexes ' +
        '(global position, transaction id order, unique stream version, unique idempotency key) and a sha256 chain computed by the writer, which knows its streams\' heads; ' +
        'the unique (stream, version) alone enforces the expected version. It leaves out what Annals adds (the stream table, duplicate answers with their original place, ' +
        (r.append.some((a) => a.eventsPerSecond[FLOOR_CHAINED])
          ? 'checks and hashing inside PostgreSQL whoever connects). But its writer chains its rows as it printed them, in Node: bytes of its own, which no check inside PostgreSQL recomputes, ' +
            'so it bounds the work of a chain, not a store. ' +
            'Floor chained in PostgreSQL: a table of its own like the first, written by one call of a small PL/pgSQL function that reads the stream\'s head by its unique index and chains each event as stored ' +
            '(its position, Annals\' canonical bytes, sha256) before one `INSERT`, so that the chain can be checked from the log as Annals\' `verify` does (the benchmark recomputes 20 of its streams\' chains after the trials). ' +
            'It still leaves out the stream table and its lock, positions taken by winners only, duplicate answers, the answer and the checks: the upper bound for a store that keeps what Annals keeps, ' +
            'and the floor a missed target is judged by. It can be the faster of the two: the writer\'s floor hashes in Node and sends its rows as `json[]` arrays, which pg escapes one by one. '
          : 'checks and hashing inside PostgreSQL whoever connects), so the faster of its two forms is an upper bound for Annals on this machine. ') +
        `${r.append[0]?.eventsPerSecond.annals?.trials.length ?? 0} trials per contender` +
        ((r.append[0]?.blocks ?? 1) > 1
          ? `, each run as ${r.append[0]!.blocks} blocks interleaved with the other contenders' (A B B A ... within the trial too; the trial's rate is that of its blocks together), so that contenders seconds apart do not meet different spells of this shared machine.`
          : '.'),
      '',
    );
    const best = (a: AppendResult, names: string[]) => Math.max(...names.map((n) => a.eventsPerSecond[n]?.median ?? 0));
    const floorOf = (a: AppendResult) => best(a, ['floor', 'floor COPY']);
    // Annals' two ways to append. Results measured since `append` shares calls (decision 0019) have
    // `annals alone`, a transaction per append, whose lines are shown but not judged; results from
    // before have `annals grouped` (AppendBatcher beside an `append` of a transaction each, both
    // judged), or `annals` alone.
    const forms = [
      { key: 'annals', label: 'Annals append', judged: true },
      { key: 'annals grouped', label: 'Annals AppendBatcher', judged: true },
      { key: 'annals alone', label: 'Annals appendAlone', judged: false },
    ].filter((f) => r.append!.some((a) => a.eventsPerSecond[f.key]));
    if (forms.some((f) => f.key === 'annals alone')) {
      md.push(
        'Annals is measured both ways it offers. `append`: `PostgresEventStore.append`, the store\'s API. The appends that the writers of one process submit in the same tick share calls of up to 50 events, one transaction each, spread evenly (8 appends of 10 events go as two calls of 40, side by side; an append of 50 or more goes alone); a version mismatch still fails only its own append, and a call refused for one append\'s data is resent one append per call (docs/decisions/0019-append-shares-calls.md). A writer on its own waits for each append, so with 1 writer every append goes alone. `appendAlone`: one transaction per append, what `append` was before its appends shared calls, and what a shared call of one append is sent as. Its lines are shown, not judged: the targets are `append`\'s. Annals\' ingestor shares calls the same way, with calls of up to 500 events.',
        '',
      );
    } else if (forms.length > 1) {
      md.push(
        'Annals is measured both ways it offers. `append`: `PostgresEventStore.append`, one transaction per append. `AppendBatcher`: the same contract, but the appends that the writers of one process submit in the same tick share calls of up to 50 events, one transaction each, spread evenly (8 appends of 10 events go as two calls of 40, side by side; an append of 50 or more goes alone); a version mismatch still fails only its own append, and a call refused for one append\'s data is resent one append per call. Annals\' ingestor writes this way, with calls of up to 500 events. With 1 writer each call carries one append, and an append alone in its call goes as `append`: the two forms do the same work, and differ only by noise.',
        '',
      );
    }
    // the floor chained in PostgreSQL (results measured from 2026-12-03 on)
    const chainedFloor = r.append.some((a) => a.eventsPerSecond[FLOOR_CHAINED]);
    const chainedRatio = (a: AppendResult, base: string) => (a.eventsPerSecond[FLOOR_CHAINED] ? ratio(a.eventsPerSecond[FLOOR_CHAINED].median, a.eventsPerSecond[base]!.median) : undefined);
    const cols = ['emmett', 'floor', 'floor COPY', ...(chainedFloor ? [FLOOR_CHAINED] : []), 'raw INSERT', 'raw COPY'];
    const floorRatios = ['floor', ...(chainedFloor ? [FLOOR_CHAINED] : [])];
    md.push(
      `| batch | writers | ${forms.map((f) => f.label).join(' | ')} | ${cols.map((c) => (c === 'emmett' ? 'Emmett' : c)).join(' | ')} | ${forms.map((f) => `${f.label} ÷ Emmett`).join(' | ')} | ${floorRatios.map((f) => `${f} ÷ Emmett`).join(' | ')} | ${forms.map((f) => `${f.label} ÷ raw INSERT`).join(' | ')} |`,
      `|---|---|${[...forms, ...cols, ...forms, ...floorRatios, ...forms].map(() => '---|').join('')}`,
    );
    for (const a of r.append) {
      const e = a.eventsPerSecond;
      const cell = (name: string) => (e[name] ? spread(e[name]) : '');
      const vs = (name: string, base: string) => fmt(ratio(e[name]?.median ?? NaN, e[base]!.median), 2);
      const vsByTrial = (name: string, base: string) => `${vs(name, base)}${pairedRange(e[name], e[base]!)}`;
      md.push(
        `| ${a.batch} | ${a.writers} | ${[...forms.map((f) => f.key), ...cols].map(cell).join(' | ')} | ${forms.map((f) => vsByTrial(f.key, 'emmett')).join(' | ')} | ${fmt(ratio(floorOf(a), e.emmett!.median), 2)} | ${chainedFloor ? `${fmt(chainedRatio(a, 'emmett') ?? NaN, 2)} | ` : ''}${forms.map((f) => vs(f.key, 'raw INSERT')).join(' | ')} |`,
      );
    }
    md.push(
      '',
      "Annals ÷ Emmett: the ratio of the medians, and in parentheses the lowest and the highest ratio of one trial's rates (each trial's Annals and Emmett ran in the same round, side by side): how far this machine's spells moved the ratio within the run. A target's verdict is the ratio of the medians.",
      '',
      'Targets:',
      '',
    );
    // (results measured before 2026-12-04 hold one, at batch 10)
    const anatomies = r.appendAnatomies ?? (r.appendAnatomy ? [r.appendAnatomy] : []);
    // A missed target: whether the floors reach it (lib/append-reach.ts).
    const reach = (a: AppendResult, got: number, needed: number, base: string, what: (ratio: number) => string) =>
      `  \n  ${appendReach({
        got,
        needed,
        writerFloor: ratio(floorOf(a), a.eventsPerSecond[base]!.median),
        writerFloorInsert: a.eventsPerSecond.floor ? ratio(a.eventsPerSecond.floor.median, a.eventsPerSecond[base]!.median) : undefined,
        chainedFloor: chainedRatio(a, base),
        what,
        anatomyBelow: anatomies.some((x) => x.batch === a.batch) ? ` (where an append's server time goes: "An append of ${a.batch} events, statement by statement", below)` : '',
      })}`;
    const judged = forms.filter((f) => f.judged);
    for (const a of r.append) {
      for (const f of judged) {
        const got = ratio(a.eventsPerSecond[f.key]?.median ?? NaN, a.eventsPerSecond.emmett!.median);
        const line = target(`append batch ${a.batch}, ${a.writers} writer(s): ${f.label} ≥ 1.5× Emmett`, got, '≥', 1.5, 2, '×');
        md.push(
          `- ${line}${got >= 1.5 || !Number.isFinite(floorOf(a)) ? '' : reach(a, got, 1.5, 'emmett', (x) => `${fmt(x, 2)}× Emmett`)}${got >= 1.5 ? '' : sameCallAlone(a, f.key, got)}`,
        );
      }
    }
    for (const a of r.append.filter((x) => x.batch === 100)) {
      for (const f of judged) {
        const got = ratio(a.eventsPerSecond[f.key]?.median ?? NaN, a.eventsPerSecond['raw INSERT']!.median);
        const line = target(`append batch 100, ${a.writers} writer(s): ${f.label} ≥ 50% of raw INSERT`, 100 * got, '≥', 50, 1, '%');
        md.push(`- ${line}${got >= 0.5 || !Number.isFinite(floorOf(a)) ? '' : reach(a, got, 0.5, 'raw INSERT', (x) => `${fmt(100 * x)}% of raw INSERT`)}`);
      }
    }
    const cpuOf = [...forms.map((f) => f.key), 'emmett', 'floor', ...(chainedFloor ? [FLOOR_CHAINED] : []), 'raw INSERT'];
    md.push('', 'CPU seconds per 1,000 events:', '', `| batch | writers | ${cpuOf.map((c) => `${forms.find((f) => f.key === c)?.label ?? c}: PostgreSQL / Node`).join(' | ')} |`, `|---|---|${cpuOf.map(() => '---|').join('')}`);
    for (const a of r.append) md.push(`| ${a.batch} | ${a.writers} | ${cpuOf.map((c) => `${fmt(a.cpuPerThousand[c]?.postgres ?? NaN, 3)} / ${fmt(a.cpuPerThousand[c]?.node ?? NaN, 3)}`).join(' | ')} |`);
    md.push('');
    if (r.appendStatements?.length) md.push(...statements(r.appendStatements));
    for (const x of anatomies) md.push(...anatomy(x, r.append));
  }
  if (r.appendScale?.length) md.push(...appendScale(r.appendScale, spread));

  if (r.e2e) {
    const e = r.e2e.eventsPerSecond;
    md.push('## 2. End to end: Kafka to stored events with the read model caught up', '');
    md.push(
      `${fmt(r.e2e.messages)} messages published beforehand (6 partitions, keyed by coalition id as the contract asks of producers); timed from the first stored event (so that neither contender is timed on process start-up and joining the consumer group) until the consumer group's lag and the read model's lag are both zero; CPU over the same window. Each trial has a database of its own, dropped when its numbers are taken (so that no trial, nor the burst, pays for autovacuum on an earlier one's tables). ` +
        'Raw pipeline: a kafkajs `eachBatch` consumer that only parses and inserts the same rows with multi-row INSERTs, committing after each. ' +
        'Floor pipeline: the same consumer doing the least any pipeline must do to keep what Annals keeps, as plainly as possible: the contract\'s validation; ' +
        'a log row per report with the event log\'s constraints and indexes (idempotency key, stream version, global order) and a sha256 chain over the text the pipeline printed (as the append section\'s first floor: the work of a chain, not one its log could check); a fact row with ' +
        (r.e2e.floorWritesMembership
          ? 'the read model\'s indexes; and the bitemporal membership rows the point-in-time question reads (as the queries\' floor does) with their indexes, ' +
            'computed in memory by Annals\' own function from facts it keeps in memory (never read back), only the rows that changed rewritten, one transaction per 1,000 messages. ' +
            'It leaves out what Annals adds (domain decisions, retractions, optimistic concurrency between instances, dead letters, a projector apart from the writer), ' +
            'so it is an upper bound for Annals on this machine.'
          : 'the read model\'s indexes, one transaction per 1,000 messages. It leaves out what Annals adds (bitemporal membership intervals, domain decisions, ' +
            'optimistic concurrency between instances, dead letters), so it is an upper bound for Annals on this machine.'),
      '',
      '| | events/s | CPU s per 1,000 events |',
      '|---|---|---|',
    );
    for (const [name, s] of Object.entries(e)) {
      const cpu = r.e2e.cpuPerThousand[name] ?? {};
      md.push(`| ${name} | ${spread(s)} | ${Object.entries(cpu).map(([p, v]) => `${p} ${fmt(v, 3)}`).join(', ')} |`);
    }
    if (r.e2e.postgresPerThousand) md.push('', postgresServed("Annals' PostgreSQL CPU per 1,000 events", r.e2e.postgresPerThousand, 3));
    md.push('', `- ${target('end to end: Annals ≥ 50% of the raw pipeline', 100 * ratio(e.Annals!.median, e['raw pipeline']!.median), '≥', 50, 0, '%')}`);
    if (e['floor pipeline']) {
      md.push(
        floorLine('floor pipeline', e['floor pipeline'].median, e['raw pipeline']!.median, r.e2e.cpuPerThousand['floor pipeline'], r.machine.cores, 'pipeline that keeps what Annals keeps'),
        `- Annals reaches ${fmt(100 * ratio(e.Annals!.median, e['floor pipeline'].median))}% of the floor pipeline: what Annals' own work (${r.e2e.floorWritesMembership ? 'the domain, concurrency control, the separate projector and what it reads back' : 'the membership intervals, the domain, concurrency control, the separate projector'}) costs on top.`,
      );
    }
    const bursts = r.e2e.burst.trials ?? [r.e2e.burst.secondsToZeroLag];
    const burstRuns = bursts.length > 1 ? `, median of ${bursts.length} bursts: ${bursts.map((t) => fmt(t, 1)).join(', ')} s` : ', one burst';
    md.push(`- ${target(`after a burst of ${fmt(r.e2e.burst.messages)} messages, lag back to zero within 5 s`, r.e2e.burst.secondsToZeroLag, '≤', 5, 1, ` s${burstRuns}`)}`);
    const floorBurst = r.e2e.burst.floor;
    if (floorBurst) {
      const floorRuns = `median of ${floorBurst.trials.length}: ${floorBurst.trials.map((t) => fmt(t, 1)).join(', ')} s`;
      const verdict =
        r.e2e.burst.secondsToZeroLag <= 5
          ? ''
          : floorBurst.secondsToZeroLag <= 5
            ? ": the target is within the floor's reach, so the gap is Annals' own, as in the end-to-end line"
            : floorBurst.trials.some((t) => t <= 5)
              ? `: even the floor pipeline's median misses 5 s (${floorBurst.trials.filter((t) => t <= 5).length} of its ${floorBurst.trials.length} bursts made it): the target is at the edge of what a pipeline that keeps what Annals keeps reaches on this machine, and Annals' median is ${fmt(r.e2e.burst.secondsToZeroLag - floorBurst.secondsToZeroLag, 1)} s behind the floor's`
              : ': even the floor pipeline does not drain the burst in 5 s: the target is out of reach on this machine for any pipeline that keeps what Annals keeps';
      md.push(`- the floor pipeline, through the same bursts in turns with Annals, was back to zero lag after ${fmt(floorBurst.secondsToZeroLag, 1)} s (${floorRuns})${verdict}.`);
    } else if (r.e2e.burst.secondsToZeroLag > 5 && e['floor pipeline']) {
      // Where the time goes: draining a burst is throughput. An estimate from the rates measured above, not a measurement.
      const drain = (rate: number) => fmt(r.e2e!.burst.messages / rate, 1);
      md.push(
        `- at the rates measured above, ${fmt(r.e2e.burst.messages)} messages take ${drain(e.Annals!.median)} s to drain for Annals and ${drain(e['floor pipeline'].median)} s for the floor pipeline ` +
          `(an estimate from throughput; the measured time counts from the end of publishing, and consumption overlaps publishing): ` +
          (r.e2e.burst.messages / e['floor pipeline'].median <= 5
            ? "the target is within the floor's reach, so the gap is Annals' own, as in the end-to-end line."
            : 'even the floor pipeline would not drain it in 5 s: the target is out of reach on this machine.'),
      );
    }
    if (r.e2e.burst.live) md.push(liveOrderBursts(r.e2e.burst.live, r.e2e.burst.phases));
    if (r.e2e.burst.phases) md.push(...burstPhases(r.e2e.burst.phases, r.e2e.burst.secondsToZeroLag, r.e2e.burst.observer));
    if (r.e2e.burst.profile) md.push(...burstProfile(r.e2e.burst.profile));
    md.push('');
    md.push(
      `![Lag over time](images/lag.png)`,
      '',
      `${r.e2e.burst.rate} messages/s for 20 s, then ${fmt(r.e2e.burst.messages)} at once, ${r.e2e.burst.keyed ? 'keyed the same way' : 'unkeyed (spread over the partitions)'}; sampled every 250 ms${r.e2e.burst.observer ? ` (the consumer group's committed offsets, and the read model's checkpoint, from which its lag is counted once the run is over; the end is polled every 100 ms with the topic's end offsets fetched once and ${endProbe(r.e2e.burst.observer)})` : ''}. Each burst runs on a topic, a consumer group and a database of its own; the plot is the median burst's.`,
      '',
    );
    if (r.e2eStatements?.length) md.push(...statements(r.e2eStatements));
  }
  if (r.e2eScale?.length) md.push(...e2eScale(r.e2eScale, spread));
  if (r.e2eScaleApart) md.push(...e2eScaleApart(r.e2eScaleApart, r.measuredAt?.['e2e-scale']));

  if (r.replay?.length) {
    md.push('## 3. Replay: rebuilding the read model', '', 'A new version from the first event to active (blue/green: facts loaded unindexed, every pair computed once, indexes built at the end), against a raw sequential read of the events table in the same order (a cursor, 2,000 rows per fetch).', '');
    md.push(
      'Floor rebuild: the least any rebuild of the read model the questions read must do, as plainly as possible: the same read, each report\'s fact row (the projection\'s own mapping) written with multi-row inserts into an unindexed table, then the facts indexes built; ' +
        'then the membership rows Annals computed, copied inside PostgreSQL from a staging table made before the trials (nothing computed, parsed or sent), and the membership indexes the questions use built (results from 2026-11-30 on; before, the floor wrote the facts only). ' +
        'No retractions, checkpoints or computing of intervals: an upper bound for Annals\' rebuild on this machine.',
      '',
    );
    const rate = (x: ReplayResult, name: string) => x.eventsPerSecond[name];
    md.push('| stored events | rebuild events/s | floor rebuild events/s | raw read events/s | rebuild ÷ raw | floor ÷ raw | membership rows |', '|---|---|---|---|---|---|---|');
    for (const x of r.replay) {
      const floor = rate(x, 'floor rebuild');
      md.push(
        `| ${fmt(x.events)} | ${spread(rate(x, 'Annals rebuild')!)} | ${floor ? spread(floor) : ''} | ${spread(rate(x, 'raw sequential read')!)} | ${fmt(ratio(rate(x, 'Annals rebuild')!.median, rate(x, 'raw sequential read')!.median), 2)} | ${floor ? fmt(ratio(floor.median, rate(x, 'raw sequential read')!.median), 2) : ''} | ${fmt(x.membershipRows)} |`,
      );
    }
    const last = r.replay[r.replay.length - 1]!;
    md.push('', `- ${target(`replay at ${fmt(last.events)} events: ≥ 50% of the raw sequential read`, 100 * ratio(last.eventsPerSecond['Annals rebuild']!.median, last.eventsPerSecond['raw sequential read']!.median), '≥', 50, 0, '%')}`);
    const lastFloor = rate(last, 'floor rebuild');
    if (lastFloor) {
      md.push(
        floorLine('floor rebuild', lastFloor.median, rate(last, 'raw sequential read')!.median, last.cpuPerThousand['floor rebuild'], r.machine.cores, 'rebuild that writes the read model Annals keeps (its facts and membership rows)'),
        replayAgainstFloor(100 * ratio(rate(last, 'Annals rebuild')!.median, lastFloor.median), cpuSum(last.cpuPerThousand['Annals rebuild']), cpuSum(last.cpuPerThousand['floor rebuild'])),
      );
    }
    md.push('');
    const contenders = ['Annals rebuild', 'floor rebuild', 'raw sequential read'];
    md.push('CPU seconds per 1,000 events:', '', `| stored events | ${contenders.map((c) => `${c}: PostgreSQL / Node`).join(' | ')} |`, '|---|---|---|---|');
    for (const x of r.replay) md.push(`| ${fmt(x.events)} | ${contenders.map((c) => `${fmt(x.cpuPerThousand[c]?.postgres ?? NaN, 3)} / ${fmt(x.cpuPerThousand[c]?.node ?? NaN, 3)}`).join(' | ')} |`);
    md.push('');
    if (r.replayStatements?.length) md.push(...statements(r.replayStatements));
  }

  if (r.queries?.length) {
    md.push(
      '## 4. Point-in-time queries',
      '',
      'GET /coalitions/{id}?at=&knownAt= with random coalitions (of 200) and random times, 50 requests/s (a latency measurement, not a throughput one) over 2 connections from autocannon in a process of its own, against the api in its own; latency in ms. Under ingest: the ingestor and projector take in a backlog at full speed meanwhile.',
      '',
      'The api answers a state from its copy of the read model in memory while that copy is of the rows there now (it reads the read model\'s mark, version and checkpoint, before each answer), and from PostgreSQL otherwise (CoalitionStates, decision 0006). It loads the copy once the projector rests; the loads start when it holds one. "From memory" is the share of the api\'s answers its copy gave (annals_state_answers_total around its loads; results from 2026-12-04 18:00 UTC on).',
      '',
    );
    const t0 = r.queries[0]!.trials;
    if (t0) {
      md.push(
        `${t0.idle.length} trials per condition (idle, under ingest), each a load of ${fmt(t0.idle[0]!.requests)} requests or so; the api and the floor and send-only servers below take turns (A B C C B A ...), each one's load of a trial with the same requests (the send-only server's from the results of 2026-12-04 on). ` +
          "Each percentile is the median of the trials' (p99 with the range of the trials' p99s); the ratios are of those medians. " +
          "Under ingest, \"events ingested during the load\" is the total over the api's trials, with the fewest any one of them saw: every trial ran while the backlog was still being taken in. (Before 2026-11-30: one load of 15 s per condition.)",
        '',
      );
    }
    md.push(
      'Floor: the least any server must do to send the whole answer, as plainly as possible: a bare `node:http` server whose one statement looks up the same rows by the same indexes of Annals\' read model and has PostgreSQL render the answer as JSON text, written to the socket as it comes (no framework, no request validation, no reshaping to the contract, no JSON parse or stringify in Node). ' +
        'It gets the same requests (same seed) right after each of the api\'s loads, idle and under the same ingest, so it also finds the pages the api\'s load brought into memory; PostgreSQL\'s rendering of the answer is a little larger than the api\'s (spaces around colons, each source as stored). Its latency bounds Annals\' from below on this machine.',
      '',
    );
    md.push('| stored events | mean answer (KiB) | idle: from memory | idle p50 | idle p95 | idle p99 | idle: PostgreSQL mean / max | under ingest: from memory | p50 | p95 | p99 | under ingest: PostgreSQL mean / max | p99 ratio | events ingested during the load |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const q of r.queries) {
      // "not run": no state statement ran during the loads (every answer from the copy)
      const sqlTime = (t: typeof q.idleSql) => (t ? `${fmt(t.meanMs, 2)} / ${fmt(t.maxMs, 2)}` : q.fromMemory ? 'not run' : 'not measured');
      const share = (x: number | undefined) => (x === undefined ? '' : `${fmt(x * 100, 0)}%`);
      const t = q.trials;
      md.push(`| ${fmt(q.events)} | ${fmt((q.idle.meanBytes ?? 0) / 1024, 1)} | ${share(q.fromMemory?.idle)} | ${fmt(q.idle.p50, 2)} | ${fmt(q.idle.p95, 2)} | ${p99Cell(q.idle, t?.idle)} | ${sqlTime(q.idleSql)} | ${share(q.fromMemory?.underIngest)} | ${fmt(q.underIngest.p50, 2)} | ${fmt(q.underIngest.p95, 2)} | ${p99Cell(q.underIngest, t?.underIngest)} | ${sqlTime(q.underIngestSql)} | ${fmt(ratio(q.underIngest.p99, q.idle.p99), 2)} | ${ingestedCell(q.ingestedDuringLoad, t?.ingested)} |`);
    }
    md.push('', '"PostgreSQL mean / max" is the state statement\'s own execution time in PostgreSQL over each load (pg_stat_statements), for the answers PostgreSQL gave; the rest of the latency is the api process (parsing the rows, building and sending the answer) and the loopback. Under ingest, the ingestor, the projector, their PostgreSQL backends and Kafka keep both cores busy: the statement and the api wait for a core.');
    const copies = r.queries.filter((q) => q.copy);
    if (copies.length) {
      md.push('', 'The api\'s copy once it held it (the wait runs from the warm-up\'s end: the projector\'s rest of 1 s, then the load in one snapshot), and the api process\'s memory then:', '');
      md.push(...copies.map((q) => `- ${fmt(q.events)} events: ${fmt(q.copy!.facts)} membership facts, held after ${fmt(q.copy!.waitedSeconds, 1)} s; RSS ${fmt(q.copy!.rssMiB, 0)} MiB, heap used ${fmt(q.copy!.heapUsedMiB, 0)} MiB`));
    }
    md.push('', 'The answer is not a constant: a coalition\'s members, each with every report that supports its membership, grow with the log (the mean answer size above). Latency per KiB of answer is the figure to compare across scales:', '');
    md.push(...r.queries.map((q) => `- ${fmt(q.events)} events: ${fmt(q.idle.p50 / Math.max(0.1, (q.idle.meanBytes ?? 0) / 1024), 3)} ms per KiB at p50`));
    const floors = r.queries.filter((q) => q.floorIdle);
    if (floors.length) {
      md.push('', 'The floor server under the same loads (same requests; under ingest, while the same backlog is still being taken in):', '');
      md.push('| stored events | mean answer (KiB) | idle p50 | idle p95 | idle p99 | under ingest p50 | p95 | p99 | p99 ratio | events ingested during the load |', '|---|---|---|---|---|---|---|---|---|---|');
      for (const q of floors) {
        const f = q.floorIdle!;
        const u = q.floorUnderIngest;
        const t = q.trials;
        md.push(`| ${fmt(q.events)} | ${fmt((f.meanBytes ?? 0) / 1024, 1)} | ${fmt(f.p50, 2)} | ${fmt(f.p95, 2)} | ${p99Cell(f, t?.floorIdle)} | ${u ? `${fmt(u.p50, 2)} | ${fmt(u.p95, 2)} | ${p99Cell(u, t?.floorUnderIngest)} | ${fmt(ratio(u.p99, f.p99), 2)}` : 'not measured | | |'} | ${q.floorIngestedDuringLoad === undefined ? '' : ingestedCell(q.floorIngestedDuringLoad, t?.floorIngested)} |`);
      }
    }
    const sendOnlys = r.queries.filter((q) => q.sendOnlyIdle);
    if (sendOnlys.length) {
      md.push(
        '',
        'The send-only server under the same loads, in turn with the api and the floor (A B C C B A ...): a bare `node:http` server that, before any load, asked the api every question the loads would ask and kept each answer as the bytes the api sent; per request it only looks the path up and writes those bytes. ' +
          'Nothing is read, computed or serialized per request, so no server of any design answers these requests with these bytes faster on this machine: a target it misses is out of reach here for every server. Under ingest it sends the answers as they were before the backlog (the api\'s then are a little larger); its requests still meet the ingestor, the projector, PostgreSQL and Kafka for the cores.',
        '',
      );
      md.push('| stored events | mean answer (KiB) | idle p50 | idle p95 | idle p99 | under ingest p50 | p95 | p99 | p99 ratio | events ingested during the load |', '|---|---|---|---|---|---|---|---|---|---|');
      for (const q of sendOnlys) {
        const s = q.sendOnlyIdle!;
        const u = q.sendOnlyUnderIngest!;
        const t = q.trials;
        md.push(`| ${fmt(q.events)} | ${fmt((s.meanBytes ?? 0) / 1024, 1)} | ${fmt(s.p50, 2)} | ${fmt(s.p95, 2)} | ${p99Cell(s, t?.sendOnlyIdle)} | ${fmt(u.p50, 2)} | ${fmt(u.p95, 2)} | ${p99Cell(u, t?.sendOnlyUnderIngest)} | ${fmt(ratio(u.p99, s.p99), 2)} | ${ingestedCell(q.sendOnlyIngestedDuringLoad ?? 0, t?.sendOnlyIngested)} |`);
      }
    }
    const largest = r.queries[r.queries.length - 1]!;
    const smallest = r.queries[0]!;
    md.push('');
    // Each missed latency target with what the floor server and the send-only server measured
    // against it (no note for a figure not measured). A ratio target is not bounded by the least
    // work: a slower server can have a smaller ratio. So each note says what a server would have to
    // be to meet it, given that none of its kind answers faster than the bound it is judged by.
    type Note = { who: 'floor' | 'sendOnly'; out: boolean; says: string } | undefined;
    const latencyTarget = (text: string, value: number, limit: number, unit: string, notes: Note[]) => {
      const line = target(text, value, '≤', limit, 2, unit);
      const floorOut = notes.find((n) => n?.who === 'floor')?.out ?? true;
      const shown = line.startsWith('FAIL') ? notes.flatMap((n) => (n ? [`${n.says}: ${queryReach(n.who, n.out, floorOut)}.`] : [])) : [];
      md.push(`- ${line}${shown.map((n) => `  \n  ${n}`).join('')}`);
    };
    const bounds = [
      { who: 'floor' as const, name: 'the floor server', idle: (q: QueryResult) => q.floorIdle, ingest: (q: QueryResult) => q.floorUnderIngest },
      { who: 'sendOnly' as const, name: 'the send-only server', idle: (q: QueryResult) => q.sendOnlyIdle, ingest: (q: QueryResult) => q.sendOnlyUnderIngest },
    ];
    const idleLimit = 10;
    latencyTarget(`queries: idle p99 ≤ ${idleLimit} ms at ${fmt(largest.events)} events`, largest.idle.p99, idleLimit, ' ms',
      bounds.map((b) => {
        const idle = b.idle(largest);
        return idle && { who: b.who, out: idle.p99 > idleLimit, says: `${b.name}'s idle p99 at ${fmt(largest.events)} events is ${fmt(idle.p99, 2)} ms` };
      }));
    // With the idle target, the ratio asks a p99 under ingest of at most 3 × 10 ms; no server of
    // a bound's kind has a p99 under this ingest below the bound's.
    const ingestCeiling = 3 * idleLimit;
    latencyTarget('queries: p99 under full ingest ≤ 3× idle p99', ratio(largest.underIngest.p99, largest.idle.p99), 3, '×',
      bounds.map((b) => {
        const idle = b.idle(largest);
        const ingest = b.ingest(largest);
        if (!idle || !ingest) return undefined;
        return {
          who: b.who,
          out: ingest.p99 > ingestCeiling,
          says: `${b.name}'s p99 under the same ingest is ${fmt(ingest.p99, 2)} ms (${fmt(ratio(ingest.p99, idle.p99), 2)}× its idle p99); with the idle target (≤ ${idleLimit} ms), this ratio asks at most ${ingestCeiling} ms under ingest. The two targets together`,
        };
      }));
    if (md[md.length - 1]!.startsWith('- FAIL') && largest.fromMemory) {
      md[md.length - 1] +=
        `  \n  The api's answers under ingest came ${fmt(largest.fromMemory.underIngest * 100, 0)}% from its copy in memory (idle: ${fmt(largest.fromMemory.idle * 100, 0)}%): the backlog's reports fall on all 200 coalitions, so each projector batch moves the read model's mark, and a copy is current only where the projector rests (between the backlog's start and its first batches); ` +
        'the rest came from PostgreSQL per request, which the floor server bounds. Answering from memory under ingest would take a copy that has each batch within some 30 ms of its commit. ' +
        'Following the projector\'s writes by logical decoding was measured and brings each batch about 2 s after its commit, and slows ingestion by about a quarter; the api applying the log itself with the domain\'s fold was measured at 0.2 CPU ms per report, and is not built (decision 0023).';
    }
    // Flat is judged at the median and at p99: at 10k events the answer is small and p99 is mostly
    // the machine's hiccups (its trials range widely), so p99 alone could call latency flat while
    // the median doubled. No server of a bound's kind answers at the largest scale faster than the
    // bound, so one this flat takes at least the bound's time there ÷ 1.5 at the smallest.
    for (const [name, pick] of [['p50', (x: { p50: number }) => x.p50], ['p99', (x: { p99: number }) => x.p99]] as const) {
      latencyTarget(`queries: latency flat from ${fmt(smallest.events)} to ${fmt(largest.events)} events, idle ${name} ratio ≤ 1.5`, ratio(pick(largest.idle), pick(smallest.idle)), 1.5, '×',
        bounds.map((b) => {
          const big = b.idle(largest);
          const small = b.idle(smallest);
          if (!big || !small) return undefined;
          const least = pick(big) / 1.5;
          return {
            who: b.who,
            out: least > pick(small),
            says:
              `${b.name}'s idle ${name} grows ${fmt(ratio(pick(big), pick(small)), 2)}× from ${fmt(smallest.events)} to ${fmt(largest.events)} events, with the answer (${fmt((small.meanBytes ?? 0) / 1024, 1)} to ${fmt((big.meanBytes ?? 0) / 1024, 1)} KiB); ` +
              `one of its kind this flat would take at least ${fmt(least, 2)} ms at ${fmt(smallest.events)} events, where it takes ${fmt(pick(small), 2)}` +
              (least > pick(small) ? ': flat only by answering the small question slower than it can. The target as speed' : '. The target'),
          };
        }));
    }
    md.push('', `The state statement's plan at ${fmt(largest.events)} events (auto_explain of the api's own query for coalition-042 at 2014-10-01 as known at 2016-01-01; actual rows): the members by one GiST index scan of the active partition, each member's sources by the pair index, the name by the formation-report index:`, '', '```', largest.plan, '```', '');
  }
  md.push(...cpuBudgets(r));
  md.push('## Verdicts', '', '```', ...verdicts, '```', '');
  writeFileSync(file, md.join('\n'));
  return verdicts;
}

function statements(rows: StatementCost[], title = 'Where PostgreSQL spent its time (pg_stat_statements, this section):'): string[] {
  const withRows = rows.some((s) => s.rows !== undefined);
  return [
    title,
    '',
    `| statement | calls | total ms | mean ms |${withRows ? ' rows |' : ''}`,
    `|---|---|---|---|${withRows ? '---|' : ''}`,
    ...rows.map((s) => `| \`${s.query.replace(/\|/g, '\\|')}\` | ${fmt(s.calls)} | ${fmt(s.totalMs)} | ${fmt(s.meanMs, 2)} |${withRows ? ` ${fmt(s.rows ?? NaN)} |` : ''}`),
    '',
  ];
}

/** Where an append's server time goes, statement by statement, against the time the 1.5× target leaves an append. */
function anatomy(a: AppendAnatomy, results: AppendResult[]): string[] {
  const lines = [
    `### An append of ${a.batch} events, statement by statement`,
    '',
    `One writer, ${fmt(a.calls)} appends of ${a.batch} events by each contender, interleaved in blocks, apart from the trials above, with pg_stat_statements tracking the statements inside functions too. ` +
      'Server time is pg_stat_statements\' execution time: a statement\'s planning and executor start-up are not in it, so for the statements inside the function they are in the last row. ' +
      `Per append: Annals' \`append\` ${fmt(a.annalsUs)} µs; Emmett's function ${fmt(a.emmettUs)} µs, in ${fmt(a.emmettStatements)} statements (each a round trip: Emmett sends BEGIN and COMMIT apart); the floor's INSERT ${fmt(a.floorUs)} µs${a.floorChainedUs === undefined ? '' : `; the floor chained in PostgreSQL ${fmt(a.floorChainedUs)} µs, its chain included`}.`,
    '',
    "| part of Annals' append | µs per append | share |",
    '|---|---|---|',
    // (a part under a microsecond is a statement of the rare paths, run a few times: not worth a row)
    ...a.parts.filter((p) => p.us >= 1).map((p) => `| ${p.part} | ${fmt(p.us)} | ${fmt((100 * p.us) / a.annalsUs)}% |`),
    '',
  ];
  const cost = chainCost(a);
  const chain = cost?.us;
  const byBlock = cost?.byBlock;
  if (chain !== undefined) {
    lines.push(
      `The chain, measured: a copy of \`append\` made in the same database whose loop makes no canonical bytes and no sha256 link (a constant instead), called alongside, took ${fmt(a.unchainedUs!)} µs against \`append\`'s ${fmt(a.annalsUs)}: ` +
        (byBlock
          ? `in each of the ${fmt(byBlock.trials.length)} blocks the two ran side by side, and the chain cost a median of ${fmt(chain)} µs per append of ${a.batch} events (${fmt(byBlock.min)} to ${fmt(byBlock.max)} µs by block; ${fmt((100 * chain) / a.annalsUs)}% of \`append\`'s server time)`
          : `the chain costs ${fmt(chain)} µs per append of ${a.batch} events (${fmt((100 * chain) / a.annalsUs)}% of its server time)`) +
        (a.floorChainedUs === undefined
          ? ', made in PostgreSQL so that it holds whoever writes. The floor makes its chain in the writer.'
          : ', made in PostgreSQL so that it holds whoever writes, as the floor chained in PostgreSQL makes it too.'),
      '',
    );
  }
  const measured = results.find((x) => x.batch === a.batch && x.writers === 1);
  const annals = measured?.eventsPerSecond.annals?.median;
  const emmett = measured?.eventsPerSecond.emmett?.median;
  const trialRatio = annals && emmett ? annals / emmett : undefined;
  const chainedFloorRate = measured?.eventsPerSecond[FLOOR_CHAINED]?.median;
  if (a.wallUs) {
    // server time: the blocks' median where it was kept (as the writer's clock is then), else the total's share
    const server = a.blockServerUs ?? { annals: a.annalsUs, emmett: a.emmettUs, floor: a.floorUs, unchained: a.unchainedUs, floorChained: a.floorChainedUs };
    const rows: Array<[string, number, number]> = [
      ["Annals' `append`", a.wallUs.annals, server.annals],
      [`Emmett (${fmt(a.emmettStatements)} statements)`, a.wallUs.emmett, server.emmett],
      ["the floor's INSERT", a.wallUs.floor, server.floor],
    ];
    if (a.wallUs.unchained !== undefined && server.unchained !== undefined) rows.splice(1, 0, ["the copy of `append` without the chain, called bare", a.wallUs.unchained, server.unchained]);
    if (a.wallUs.floorChained !== undefined && server.floorChained !== undefined) rows.push(['the floor chained in PostgreSQL', a.wallUs.floorChained, server.floorChained]);
    lines.push(
      `End to end, on the writer's clock in the same blocks: the server time${a.blockServerUs ? '' : ' above'}, and the rest (the round trips, the commit and its flush, the writer's own work, waking up)` +
        (a.blockServerUs ? `; each figure the median of the ${a.chainUsByBlock ? `${fmt(a.chainUsByBlock.length)} ` : ''}blocks, so that a stalled block does not move it. ` : '. ') +
        `In these blocks Annals' \`append\` ran at ${fmt(a.wallUs.emmett / a.wallUs.annals, 2)}× Emmett's rate` +
        (trialRatio === undefined ? '.' : ` (in the trials above, ${fmt(trialRatio, 2)}×).`),
      '',
      `| per append of ${a.batch} events, 1 writer | end to end (µs) | server time (µs) | the rest (µs) |`,
      '|---|---|---|---|',
      ...rows.map(([who, wall, server]) => `| ${who} | ${fmt(wall)} | ${fmt(server)} | ${fmt(wall - server)} |`),
      '',
    );
    if (a.wallUs.unchained !== undefined) {
      // the line in these blocks' own terms: measured, not inferred from the chain's server time
      const line = a.wallUs.emmett / 1.5;
      const verdict = (us: number) => (us > line ? `${fmt(us - line)} µs above it` : `within it by ${fmt(line - us)} µs`);
      lines.push(
        `In these blocks 1.5× Emmett's rate leaves an append ${fmt(line)} µs end to end: Annals' \`append\` took ${fmt(a.wallUs.annals)} µs, ${verdict(a.wallUs.annals)}; ` +
          `the copy without the chain, which also skips the store's own work, ${fmt(a.wallUs.unchained)} µs, ${verdict(a.wallUs.unchained)}` +
          (a.wallUs.floorChained === undefined ? '.' : `; the floor chained in PostgreSQL, which makes the same chain and little else, ${fmt(a.wallUs.floorChained)} µs, ${verdict(a.wallUs.floorChained)}.`),
        '',
      );
    }
  }
  if (a.commitUs) {
    const flush = a.commitUs.flushed - a.commitUs.unflushed;
    lines.push(
      `Every contender commits each append and waits for the disk to flush the commit: a one-row INSERT took ${fmt(a.commitUs.flushed)} µs committed so, ${fmt(a.commitUs.unflushed)} µs without waiting for the flush (\`synchronous_commit = off\`, interleaved blocks), ` +
        `so about ${fmt(flush)} µs of each contender's "rest" is the disk's. It is the same for all three, so the longer it takes, the closer every ratio of one writer's rates comes to 1.`,
      '',
    );
  }
  if (annals && emmett) {
    const took = (1e6 * a.batch) / annals;
    const asked = (1e6 * a.batch) / (1.5 * emmett);
    lines.push(
      `At batch ${a.batch} and 1 writer, 1.5× Emmett's rate leaves an append ${fmt(asked)} µs end to end (Node, the round trip, the call and its commit); Annals' \`append\` took ${fmt(took)} µs` +
        (took > asked
          ? `, ${fmt(took - asked)} µs more than that (${fmt((100 * (took - asked)) / a.annalsUs)}% of its server time)` +
            (chainedFloorRate !== undefined && a.floorChainedUs !== undefined
              ? besidesTheChain(
                  (1e6 * a.batch) / chainedFloorRate,
                  asked,
                  (a.blockServerUs?.annals ?? a.annalsUs) - (a.blockServerUs?.floorChained ?? a.floorChainedUs),
                  a.parts.some((p) => p.part === ANSWER_ROWS_PART),
                )
              : chain === undefined
                ? '.'
                : chainAgainstGap(took - asked, chain, byBlock))
          : ', within it.'),
      '',
    );
  }
  return lines;
}

/**
 * Under a missed line of `append` with one writer: `appendAlone` in the same run. A writer on its
 * own waits for each append, so `append` sends every one alone, as appendAlone (decision 0019):
 * the same call, measured twice side by side, whose two ratios show how far this run's noise
 * moves a verdict between identical contenders.
 */
function sameCallAlone(a: AppendResult, form: string, got: number): string {
  const alone = a.eventsPerSecond['annals alone'];
  if (a.writers !== 1 || form !== 'annals' || !alone) return '';
  const aloneRatio = ratio(alone.median, a.eventsPerSecond.emmett!.median);
  return (
    `  \n  With one writer \`append\` sends each append alone, as \`appendAlone\` does: the same call, measured side by side in the same trials, ` +
    `at ${fmt(aloneRatio, 2)}× Emmett against ${fmt(got, 2)}× (${fmt(Math.abs(100 * (aloneRatio / got - 1)), 1)}% apart): this run's noise between two identical contenders.`
  );
}

/**
 * The gap to 1.5x Emmett set against the floor chained in PostgreSQL, which makes Annals' chain
 * and little else: whether the chain fits in the time an append is left (`asked`, µs end to end)
 * and, if so, that what does not fit is Annals' work besides it (`besides`: Annals' server time
 * less the floor's, µs per append).
 */
function besidesTheChain(floorTook: number, asked: number, besides: number, answerRows: boolean): string {
  if (floorTook > asked) {
    return `. The floor chained in PostgreSQL, which makes the same chain and little else, took ${fmt(floorTook)} µs in the same trials, ${fmt(floorTook - asked)} µs more than that too: with the chain made in PostgreSQL, the target is out of reach on this machine.`;
  }
  return (
    `. The floor chained in PostgreSQL, which makes the same chain and little else, took ${fmt(floorTook)} µs in the same trials, within it by ${fmt(asked - floorTook)} µs: the chain fits in the time. ` +
    `What does not is Annals' work besides it: its server time is ${fmt(besides)} µs per append above the floor's in the blocks above, median against median ` +
    (answerRows
      ? "(the stream's head read and moved, the answer rows: the parts in the first table; the stream's write lock and the checks of the arguments are in its last row)."
      : "(the stream's head read and moved: the parts in the first table; the stream's write lock, the checks of the arguments and the answer, one row since migration 1764300026000, are in its last row).")
  );
}

/**
 * The gap to 1.5x Emmett set against what the chain costs (its median over the blocks, and the
 * cheapest block), compared as printed: two figures that print the same are not called less or
 * more than each other, which would read as a contradiction and which one run cannot tell apart.
 */
function chainAgainstGap(gap: number, chain: number, byBlock: { min: number } | undefined): string {
  const cheapest = byBlock && byBlock.min < gap ? `; in its cheapest block the chain cost ${fmt(byBlock.min)} µs, less than that: the chain is most of the gap, not surely all of it.` : '.';
  if (fmt(chain) === fmt(gap)) return `: what the chain costs (${fmt(chain)} µs), as far as one run can tell` + cheapest;
  if (chain > gap) return `: less than the chain costs, so without it the append would be within the time (one writer waits for each call, so server time adds up end to end)` + cheapest;
  return `: more than the chain costs (${fmt(chain)} µs): the gap is the chain and more of Annals' own work.`;
}

/**
 * A throughput target as a CPU budget: on this machine's cores, the rate a target asks for
 * leaves so many CPU seconds per 1,000 events for all processes together; set against what
 * each process used, it says how much has to go, and where it is spent now.
 */
function cpuBudgets(r: BenchResults): string[] {
  const cores = r.machine.cores;
  const lines: string[] = [];
  const row = (what: string, rate: number, used: Record<string, number>) => {
    const total = Object.values(used).reduce((a, b) => a + b, 0);
    const budget = (cores / rate) * 1000;
    const parts = Object.entries(used)
      .sort((a, b) => b[1] - a[1])
      .map(([p, v]) => `${p} ${fmt(v, 3)} (${fmt((100 * v) / total)}%)`)
      .join(', ');
    lines.push(
      `| ${what} | ${fmt(rate)} | ${fmt(budget, 3)} | ${fmt(total, 3)} | ${total > budget ? `${fmt(total / budget, 1)}×` : 'within'} | ${fmt((cores / total) * 1000)} | ${parts} |`,
    );
  };
  if (r.e2e) {
    const raw = r.e2e.eventsPerSecond['raw pipeline']!.median;
    row('end to end at 50% of the raw pipeline', raw * 0.5, r.e2e.cpuPerThousand.Annals ?? {});
    if (r.e2e.cpuPerThousand['floor pipeline']) row('(the floor pipeline, same target)', raw * 0.5, r.e2e.cpuPerThousand['floor pipeline']);
  }
  const last = r.replay?.[r.replay.length - 1];
  if (last) {
    const raw = last.eventsPerSecond['raw sequential read']!.median;
    row(`replay of ${fmt(last.events)} events at 50% of the raw read`, raw * 0.5, last.cpuPerThousand['Annals rebuild'] ?? {});
    if (last.cpuPerThousand['floor rebuild']) row('(the floor rebuild, same target)', raw * 0.5, last.cpuPerThousand['floor rebuild']);
  }
  if (lines.length === 0) return [];
  return [
    '## Where the time goes: targets as CPU budgets',
    '',
    `Kafka, PostgreSQL and the apps share ${cores} cores, so a rate is bounded by the CPU it takes: ${cores} cores ÷ CPU seconds per event. ` +
      'Each target below is turned into the CPU it leaves per 1,000 events (all processes together) and set against what Annals used in this run ' +
      '(sections above; the statement tables say which SQL took PostgreSQL\'s share).',
    '',
    '| target | events/s it asks | CPU s per 1,000 events it leaves | used | over budget by | CPU-bound ceiling (events/s) | CPU by process |',
    '|---|---|---|---|---|---|---|',
    ...lines,
    '',
  ];
}

/** A p99 (the trials' median) with the range of the trials' p99s, when there were trials. */
function p99Cell(median: { p99: number }, trials: Array<{ p99: number }> | undefined): string {
  if (!trials?.length) return fmt(median.p99, 2);
  const p99s = trials.map((t) => t.p99);
  return `${fmt(median.p99, 2)} (${fmt(Math.min(...p99s), 2)}–${fmt(Math.max(...p99s), 2)})`;
}

/** Events ingested during a condition's loads, with the fewest any one load saw, when there were trials. */
function ingestedCell(total: number, perTrial: number[] | undefined): string {
  return perTrial?.length ? `${fmt(total)} (fewest in a trial: ${fmt(Math.min(...perTrial))})` : fmt(total);
}

/** The CPU seconds per 1,000 events of a contender's processes together (NaN when not measured). */
const cpuSum = (cpu: Record<string, number> | undefined) => (cpu ? Object.values(cpu).reduce((a, b) => a + b, 0) : NaN);

/**
 * Annals' rebuild against the floor's. Annals overlaps its reading, computing and writing, while
 * the floor does each step in turn, so the rates can hide what Annals does on top: the CPU says it.
 */
function replayAgainstFloor(share: number, annalsCpu: number, floorCpu: number): string {
  const measured = Number.isFinite(annalsCpu) && Number.isFinite(floorCpu);
  const cpu = !measured
    ? ''
    : annalsCpu > floorCpu
      ? ` By CPU (${fmt(annalsCpu, 3)} against ${fmt(floorCpu, 3)} s per 1,000 events), what it does on top (computing the membership intervals, retractions, checkpointed batches) costs ${fmt(100 * (annalsCpu / floorCpu - 1))}% more than the floor.`
      : ` By CPU (${fmt(annalsCpu, 3)} against ${fmt(floorCpu, 3)} s per 1,000 events), what it does on top costs nothing measurable.`;
  return share < 100
    ? `- Annals' rebuild reaches ${fmt(share)}% of the floor rebuild's rate.${cpu}`
    : `- Annals' rebuild ran at ${fmt(share)}% of the floor rebuild's rate: it overlaps its reading, computing and writing, while the floor does each step in turn.${cpu}`;
}

/**
 * What a bound's measurement says of a latency target Annals missed: out of reach, or within
 * reach, for every server of the bound's kind. The floor's kind: servers that send the whole
 * answer from this read model in PostgreSQL; the send-only server's: every server.
 */
function queryReach(who: 'floor' | 'sendOnly', out: boolean, floorOut: boolean): string {
  if (who === 'floor')
    return out
      ? 'out of reach on this machine for any server that sends the whole answer from this read model in PostgreSQL (the floor reads the same rows by the same indexes, and does nothing else)'
      : "within the floor's reach, so the gap is Annals' own (the api: Nest and express, validation, reshaping the rows to the contract, JSON parse and stringify)";
  if (out) return 'in this run, out of reach on this machine for any server at all that sends these answers to this load, whatever its design (the send-only server only writes answers it already holds; its tail under full ingest differs widely from run to run: decision 0023)';
  return floorOut
    ? 'within reach of a server that holds every answer in memory and computes nothing per request, so the floor above bounds the servers that read the answer from PostgreSQL per request, not every design'
    : 'within its reach too';
}

/**
 * What a floor contender says of a "≥ 50% of the baseline" target. Its measured rate can be low
 * only because it runs one step at a time; its CPU-bound ceiling (cores ÷ CPU per event) is what
 * a floor using every core would reach. Only a ceiling below the target puts it out of reach.
 */
function floorLine(name: string, floorRate: number, baseRate: number, cpu: Record<string, number> | undefined, cores: number, who: string): string {
  const target = baseRate * 0.5;
  const used = Object.values(cpu ?? {}).reduce((a, b) => a + b, 0);
  const ceiling = used > 0 ? (cores / used) * 1000 : NaN;
  const head = `- the ${name} reaches ${fmt(100 * ratio(floorRate, baseRate))}% of the baseline (${fmt(floorRate)} events/s); on ${cores} cores its CPU (${fmt(used, 3)} s per 1,000 events) bounds it at ${fmt(ceiling)} events/s, against the ${fmt(target)} the target asks: `;
  if (ceiling < target) return head + `the target is out of reach on this machine for any ${who}.`;
  if (floorRate < target) return head + `within reach only for a ${who} and keeps every core busy (the floor runs one step at a time); the rest of the gap is Annals' own.`;
  return head + `within reach for a ${who}; the rest of the gap is Annals' own.`;
}

/** How the read model's catch-up was polled at the burst's end (BurstObserver). */
function endProbe(observer: BurstObserver): string {
  return observer === 'first-event'
    ? 'an index probe for the first event after the read model\'s checkpoint'
    : 'a probe for any event after the read model\'s checkpoint, which PostgreSQL ran as a scan of the log up to the checkpoint (the whole log once nearly caught up: several ms per poll at these sizes; polled since 2026-11-30 11:45 UTC as the first event after it, one index probe)';
}

/** The median burst, measured: how long each lag took to reach zero, and what the cores did meanwhile. */
function burstPhases(p: BurstPhases, seconds: number, observer: BurstObserver | undefined): string[] {
  const procs: Array<[string, string]> = [['postgres', 'PostgreSQL'], ['ingestor', 'ingestor'], ['projector', 'projector'], ['kafka', 'Kafka'], ['benchmark', 'this benchmark']];
  // stolen: recorded from 2026-11-29 on; older results leave the column out
  const stolen = p.ingested.stolen !== undefined && p.caughtUp.stolen !== undefined;
  const row = (label: string, ph: BurstPhase) =>
    `| ${label} | ${fmt(ph.seconds, 1)} | ${fmt(100 * ph.idle)}% | ${stolen ? `${fmt(100 * ph.stolen!)}% | ` : ''}${procs.map(([k]) => fmt(ph.cpu[k] ?? 0, 2)).join(' | ')} |`;
  const lines = [
    '',
    "Where the median burst's time went, from the end of its publishing (CPU seconds by process; PostgreSQL's include the benchmark's own " +
      (observer ? `polling (${endProbe(observer)}, and a checkpoint read)` : 'lag counts') +
      ", and this benchmark's process only polls the lags by then" +
      (stolen ? "; cores stolen: the share of the cores' time the hypervisor gave other machines" : '') +
      '):',
    '',
    `| phase | seconds | cores idle | ${stolen ? 'cores stolen | ' : ''}${procs.map(([, label]) => label).join(' | ')} |`,
    `|---|---|---|${stolen ? '---|' : ''}${procs.map(() => '---|').join('')}`,
    row('until the consumer group\'s lag is zero (every message stored, its offset committed)', p.ingested),
    row('then until the read model has caught up', p.caughtUp),
  ];
  lines.push(...burstServed(p));
  if (seconds > 5) {
    const used = drainCpu(p);
    // (a burst just over 5 s asks for less than 1% less: a whole percent would print "0%")
    const less = 100 * (1 - 5 / seconds);
    lines.push(
      '',
      `At the same use of the cores, 5 s would leave the drain ${fmt((used * 5) / seconds, 1)} of the ${fmt(used, 1)} CPU seconds it took: ${fmt(less, less < 10 ? 1 : 0)}% less CPU per event, or the idle cores put to work.`,
    );
    const steal = burstWithoutSteal([p.ingested, p.caughtUp]);
    if (steal && steal.stolen >= 0.05) {
      lines.push(
        '',
        `The hypervisor gave other machines ${fmt(100 * p.ingested.stolen!)}% and ${fmt(100 * p.caughtUp.stolen!)}% of the cores' time in the two phases: ${fmt(steal.stolen, 1)} of their ${fmt(steal.seconds, 1)} s. ` +
          `Without it, the same drain at the same use of the cores would have taken about ${fmt(steal.without, 1)} s (an estimate, not a verdict: the target is judged on the bursts as measured).`,
      );
    }
  }
  return lines;
}

const POSTGRES_WORK: Array<[PostgresWork, string]> = [
  ['ingestor', 'for the ingestor'],
  ['projector', 'for the projector'],
  ['benchmark', "for this benchmark's polling"],
  ['background', 'background'],
];

/** How PostgreSQL's CPU is told apart by whom it served (bench/lib/postgres-work.ts). */
const SERVED_BY =
  'by whom it served (each backend by the application connected to it; background: autovacuum, I/O workers, the WAL writer, the checkpointer, and backends that exited meanwhile)';

/** What PostgreSQL's backends served (PostgresWork), as a sentence. */
function postgresServed(what: string, work: Record<PostgresWork, number>, digits: number): string {
  const total = Object.values(work).reduce((a, b) => a + b, 0);
  return (
    `${what} (${fmt(total, digits)}) ${SERVED_BY}: ` +
    POSTGRES_WORK.map(([k, label]) => `${label} ${fmt(work[k], digits)} (${fmt((100 * work[k]) / Math.max(1e-9, total))}%)`).join(', ') +
    '.'
  );
}

/**
 * The burst's PostgreSQL time by whom it served, and the drain's CPU split into its two sides:
 * the log (the ingestor and PostgreSQL's work for it) and the read model (the projector and
 * PostgreSQL's work for it).
 */
function burstServed(p: BurstPhases): string[] {
  const [ingested, caughtUp, sides] = [p.ingested.postgres, p.caughtUp.postgres, drainSides(p)];
  // results from before PostgreSQL's CPU was split have nothing to show
  if (!ingested || !caughtUp || !sides) return [];
  const row = (label: string, w: Record<PostgresWork, number>) => `| ${label} | ${POSTGRES_WORK.map(([k]) => fmt(w[k], 2)).join(' | ')} |`;
  const { all, log, readModel } = sides;
  return [
    '',
    `PostgreSQL's CPU above (seconds), ${SERVED_BY}:`,
    '',
    `| phase | ${POSTGRES_WORK.map(([, label]) => label).join(' | ')} |`,
    `|---|${POSTGRES_WORK.map(() => '---|').join('')}`,
    row('until the consumer group\'s lag is zero', ingested),
    row('then until the read model has caught up', caughtUp),
    '',
    `Of the drain's ${fmt(all, 1)} CPU seconds, the log's side (the ingestor and PostgreSQL's work for it: deciding and appending) took ${fmt(log, 1)} (${fmt((100 * log) / all)}%), ` +
      `the read model's side (the projector and PostgreSQL's work for it: facts and membership intervals) ${fmt(readModel, 1)} (${fmt((100 * readModel) / all)}%), ` +
      `the rest (Kafka, this benchmark and its polling, PostgreSQL's background) ${fmt(all - log - readModel, 1)} (${fmt((100 * (all - log - readModel)) / all)}%).`,
  ];
}

/**
 * A burst's drain in CPU seconds: all of it, the log's side (the ingestor and PostgreSQL's work
 * for it) and the read model's (the projector and PostgreSQL's work for it); undefined for
 * results without PostgreSQL's split.
 */
function drainSides(p: BurstPhases): { all: number; log: number; readModel: number } | undefined {
  const [ingested, caughtUp] = [p.ingested.postgres, p.caughtUp.postgres];
  if (!ingested || !caughtUp) return undefined;
  const side = (app: 'ingestor' | 'projector') => (p.ingested.cpu[app] ?? 0) + (p.caughtUp.cpu[app] ?? 0) + ingested[app] + caughtUp[app];
  return { all: drainCpu(p), log: side('ingestor'), readModel: side('projector') };
}

/** All the CPU seconds of a burst's drain, every process's. */
function drainCpu(p: BurstPhases): number {
  return [p.ingested, p.caughtUp].reduce((sum, ph) => sum + Object.values(ph.cpu).reduce((a, b) => a + b, 0), 0);
}

/** The burst runs whose reports came in the order they were published, against the timed ones (in no such order). */
function liveOrderBursts(live: NonNullable<E2eResult['burst']['live']>, archive: BurstPhases | undefined): string {
  const sides = drainSides(live.phases);
  const archiveSides = archive && drainSides(archive);
  const cpu =
    sides && archiveSides
      ? ` Its drain took ${fmt(sides.all, 1)} CPU seconds (the bursts above: ${fmt(archiveSides.all, 1)}): the read model's side ${fmt(sides.readModel, 1)} (${fmt(archiveSides.readModel, 1)}), the log's ${fmt(sides.log, 1)} (${fmt(archiveSides.log, 1)}).`
      : '';
  return (
    `- the same burst runs with each report published on or after the one before (a live feed; the bursts above come in no order of publication over eleven years, as an archive's backfill does, ` +
    `so that most reports land before much of what is already known): Annals back to zero lag after ${fmt(live.secondsToZeroLag, 1)} s ` +
    `(median of ${live.trials.length}: ${live.trials.map((t) => fmt(t, 1)).join(', ')} s, in turns with the runs above; not a verdict: the target's line is the bursts above).${cpu}`
  );
}

/** Where the apps' own CPU went in the profiled burst: self time by where the code lives, then the busiest functions. */
function burstProfile(p: BurstProfile): string[] {
  const apps = [p.ingestor, p.projector] as const;
  const share = (summary: (typeof apps)[number], name: string) => summary.byPlace.find((s) => s.name === name)?.share ?? 0;
  // the places worth a row: 1% or more of either app's busy time; the rest in one row
  const places = [...new Set(apps.flatMap((a) => a.byPlace.map((s) => s.name)))]
    .filter((name) => apps.some((a) => share(a, name) >= 0.01))
    .sort((x, y) => Math.max(...apps.map((a) => share(a, y))) - Math.max(...apps.map((a) => share(a, x))));
  const rest = (a: (typeof apps)[number]) => 1 - places.reduce((sum, name) => sum + share(a, name), 0);
  const pct = (x: number) => `${fmt(100 * x)}%`;
  const functions = (label: string, a: (typeof apps)[number]) =>
    `- ${label}: ${a.topFunctions.map((f) => `${f.name} ${pct(f.share)}`).join('; ')}`;
  return [
    '',
    `Where the apps' own CPU went in a burst: one more burst after the timed ones, the ingestor and the projector under V8's \`--cpu-prof\` (whose sampling slows them: this one's lag was back to zero after ${fmt(p.secondsToZeroLag, 1)} s); ` +
      'self time (each sample charged to the function running, not its callers) from the end of publishing until the read model had caught up, idle left out. ' +
      'The profiler samples on the wall clock, so time an app spent waiting for a core is charged to the function it was in: the shares, not the seconds, are the figures to read.',
    '',
    '| where the code lives | ingestor | projector |',
    '|---|---|---|',
    `| seconds sampled busy (wall clock) | ${fmt(p.ingestor.busySeconds, 2)} | ${fmt(p.projector.busySeconds, 2)} |`,
    ...places.map((name) => `| ${name} | ${pct(share(p.ingestor, name))} | ${pct(share(p.projector, name))} |`),
    `| the rest | ${pct(rest(p.ingestor))} | ${pct(rest(p.projector))} |`,
    '',
    'The functions that ran the most (self time; a function V8 inlined counts in its caller):',
    '',
    functions('ingestor', p.ingestor),
    functions('projector', p.projector),
  ];
}

/** A figure measured at each size of the log: one configuration's rates at one size. */
interface ScaleRow {
  stored: number;
  /** The configuration (say, "1 writer"), when a section measures several at each size. */
  config?: string;
  eventsPerSecond: Record<string, Summary>;
}

/**
 * Rates at each size of the log: each contender's, Annals' (the first named) ratios to the
 * others at each size, and how each contender's rate changes from the smallest log to the
 * largest (1.00: the log's size costs nothing).
 */
function scaleTable(rows: ScaleRow[], names: Array<[key: string, label: string]>, spread: (s: Summary) => string, configHeader = ''): string[] {
  const [annals, ...others] = names;
  const configs = [...new Set(rows.map((r) => r.config))];
  const configColumn = configs[0] !== undefined;
  const md = [
    `| stored events |${configColumn ? ` ${configHeader} |` : ''} ${names.map(([, label]) => label).join(' | ')} | ${others.map(([, label]) => `${annals![1]} ÷ ${label}`).join(' | ')} |`,
    `|---|${configColumn ? '---|' : ''}${names.map(() => '---|').join('')}${others.map(() => '---|').join('')}`,
  ];
  for (const r of rows) {
    const e = r.eventsPerSecond;
    md.push(
      `| ${fmt(r.stored)} |${configColumn ? ` ${r.config} |` : ''} ${names.map(([key]) => (e[key] ? spread(e[key]) : '')).join(' | ')} | ${others.map(([key]) => fmt(ratio(e[annals![0]]!.median, e[key]!.median), 2)).join(' | ')} |`,
    );
  }
  const sizes = [...new Set(rows.map((r) => r.stored))].sort((x, y) => x - y);
  const smallest = sizes[0]!;
  const largest = sizes[sizes.length - 1]!;
  md.push('', `Rate at ${fmt(largest)} stored events ÷ rate at ${fmt(smallest)} (1.00: the log's size costs nothing):`, '');
  for (const config of configs) {
    const at = (stored: number) => rows.find((r) => r.stored === stored && r.config === config)!.eventsPerSecond;
    md.push(`- ${config ? `${configHeader} = ${config}: ` : ''}${names.map(([key, label]) => `${label} ${fmt(ratio(at(largest)[key]!.median, at(smallest)[key]!.median), 2)}`).join(', ')}`);
  }
  md.push('');
  return md;
}

/** "10,000 to 1,000,000": the smallest and largest log of a section measured at several sizes. */
function sizeRange(rows: ReadonlyArray<{ stored: number }>): string {
  const sizes = rows.map((r) => r.stored);
  return `${fmt(Math.min(...sizes))} to ${fmt(Math.max(...sizes))}`;
}

/** Append as the log grows. */
function appendScale(results: AppendScaleResult[], spread: (s: Summary) => string): string[] {
  const trials = results[0]?.eventsPerSecond.annals?.trials.length ?? 0;
  const sizes = sizeRange(results);
  return [
    '### Append as the log grows',
    '',
    `Batches of 10 events, as above, into stores that already hold ${sizes} events (a database per size; each contender's store filled through its own append in streams of 1,000 events, the raw table with one INSERT, then VACUUM ANALYZE, as autovacuum would have left a log written over time). ${trials} trials per contender and size, all sizes interleaved (every size's database exists at once).`,
    '',
    ...scaleTable(
      results.map((a) => ({ stored: a.stored, config: String(a.writers), eventsPerSecond: a.eventsPerSecond })),
      [
        ['annals', 'Annals append'],
        ['emmett', 'Emmett'],
        ['raw INSERT', 'raw INSERT'],
      ],
      spread,
      'writers',
    ),
  ];
}

/** End to end as the log grows. */
function e2eScale(results: E2eScaleResult[], spread: (s: Summary) => string): string[] {
  const trials = results[0]?.eventsPerSecond.Annals?.trials.length ?? 0;
  const sizes = sizeRange(results);
  return [
    '### End to end as the log grows',
    '',
    `${fmt(results[0]?.messages ?? 0)} messages (keyed as above, report ids of their own) into a database that already holds ${sizes} events: Annals' log with its read model rebuilt and caught up, as a running deployment has it; the raw pipeline's table with a row per stored event. Each trial runs on a fresh copy of its size's database; timed from the first row stored until both lags are zero, as above. ${trials} trials per contender and size, all sizes interleaved.`,
    '',
    ...scaleTable(
      results.map((r) => ({ stored: r.stored, eventsPerSecond: r.eventsPerSecond })),
      [
        ['Annals', 'Annals'],
        ['raw pipeline', 'raw pipeline'],
      ],
      spread,
    ),
  ];
}

/** When the projector began to hold pairs between batches (decision 0018). */
const PAIR_CACHE_LANDED = '2026-12-02T02:20:00Z';
const measuredBefore = (at: string | undefined, instant: string) => at !== undefined && at < instant;
/** When a full PairCache that misses began to rest (decision 0018, amendment). */
const PAIR_CACHE_RESTS_LANDED = '2026-12-02T09:56:00Z';
/**
 * When the ingestor's writes first changed after the run before the cache: append_many writes a
 * call as if its keys were all new (2026-12-03 16:51 UTC), then AppendBatcher fills its calls
 * evenly (2026-12-04). From then on, the ingestor's CPU against that run is no measure of the host.
 */
const INGESTOR_WRITES_CHANGED = '2026-12-03T16:51:00Z';
/** The last run at 1,000,000 stored events before the cache (2026-12-01 11:44 UTC): CPU seconds of each app alone. */
const BEFORE_PAIR_CACHE = { ingestor: 9.9, projector: 23.7, projectorPostgres: 27.0 };

/** This run's CPU of each app alone against the run before the cache, in words. */
const againstBeforeCache = (a: E2eScaleApart) =>
  `${fmt((a.ingestor.cpu.ingestor ?? NaN) / BEFORE_PAIR_CACHE.ingestor, 2)}× its CPU of then, the projector ${fmt((a.projector.cpu.projector ?? NaN) / BEFORE_PAIR_CACHE.projector, 2)}× (PostgreSQL for it ${fmt((a.projector.cpu.postgres ?? NaN) / BEFORE_PAIR_CACHE.projectorPostgres, 2)}×)`;

/** Where the time goes on the largest log: each app alone, its time, CPU and statements. */
function e2eScaleApart(a: E2eScaleApart, measuredAt: string | undefined): string[] {
  const app = (name: string, x: AppAlone, until: string) => [
    `${name} alone: ${fmt(x.seconds, 1)} s from its start until ${until} (${fmt(a.messages / x.seconds)} messages/s); CPU seconds: ${Object.entries(x.cpu).map(([p, s]) => `${p} ${fmt(s, 1)}`).join(', ')}.`,
    '',
    ...statements(x.statements, `${name} alone, where PostgreSQL spent its time (pg_stat_statements; rows: returned or written, all calls together):`),
  ];
  return [
    `Where the time goes at ${fmt(a.stored)} stored events: the same ${fmt(a.messages)} messages on a fresh copy of its database, taken in by the ingestor alone, then applied by the projector alone.`,
    '',
    ...app('The ingestor', a.ingestor, "the consumer group's lag was zero"),
    ...app('The projector', a.projector, 'the read model had caught up'),
    // (from the code: what each app's work per message depends on)
    'What grows with the log: the ingestor decides each report against its stream\'s state (the reports and facts the stream holds), which it folds from the whole stream\'s idempotency keys and the two metadata values its fold uses (not the payloads nor the rest of the metadata: `readStreamKeys`) the first time it writes to that stream after it starts, and caches (`ReportWriter.currentState`): the reading above. ' +
      'The projector recomputes each (coalition, country) pair a message touches from all of the pair\'s facts (an index-only scan of the pair index), against those of its stored membership rows still known when the earliest new fact about it is, and rewrites the rows that differ (`CoalitionMembershipProjection.recompute`): the two reads and the rows written above; its fold (`membershipHistory`) redoes, at each knowledge time, what follows the earliest fact that changed there. ' +
      (measuredBefore(measuredAt, PAIR_CACHE_LANDED)
        ? 'These runs predate the projector keeping what its batches wrote of each pair (`PairCache`, decision 0018), which would change little here: a process reads a pair back the first time it touches it, and 50,000 messages over some 38,000 pairs are mostly first touches. '
        : 'The projector reads a pair back only the first time the process touches it, then holds it (`PairCache`, decision 0018, up to `PROJECTOR_CACHE_SIZE` facts and rows): 50,000 messages over some 38,000 pairs are mostly first touches. ') +
      'Both grow with how many reports a stream or a pair already has; the raw pipeline does neither. ' +
      // earlier runs, for the record (their results are no longer in results.json)
      'Before the header read, the covering pair index and the incremental fold (run of 2026-11-29 22:08 UTC): Annals 5,779 / 4,438 / 644 events/s at 10,000 / 100,000 / 1,000,000 stored events; at 1,000,000 the ingestor alone 33.1 s, the projector alone 62.6 s. ' +
      'Before the stream keys read (it read whole headers, metadata included) and the fold keeping the segments that end before its cut (run of 2026-11-30 01:55 UTC): 7,081 / 5,578 / 1,180 events/s; at 1,000,000 the ingestor alone 15.0 s, the projector alone 34.9 s. ' +
      'Before the projector read pairs\' facts and rows as arrays (run of 2026-11-30 04:14 UTC, a slower spell): 5,755 / 5,104 / 1,207 events/s; at 1,000,000 the ingestor alone 10.9 s, the projector alone 38.2 s. ' +
      'After them, before the one-pass segment match of membershipHistory (run of 2026-11-30 04:48 UTC, a faster spell: the raw pipeline 42,635 events/s at 10,000): 7,517 / 4,856 / 1,523 events/s; at 1,000,000 the ingestor alone 10.1 s, the projector alone 31.5 s.' +
      (measuredBefore(measuredAt, PAIR_CACHE_LANDED)
        ? ''
        : ` Before the projector's PairCache (run of 2026-12-01 11:44 UTC): 5,882 / 4,756 / 1,453 events/s, the raw pipeline 36,171 at 10,000; at 1,000,000 the ingestor alone 9.9 s (${fmt(BEFORE_PAIR_CACHE.ingestor, 1)} CPU s), the projector alone 30.5 s (${fmt(BEFORE_PAIR_CACHE.projector, 1)} CPU s, PostgreSQL ${fmt(BEFORE_PAIR_CACHE.projectorPostgres, 1)}). ` +
          (measuredBefore(measuredAt, INGESTOR_WRITES_CHANGED)
            ? `The ingestor's code has not changed since, so its CPU for the same messages is the host's speed of the hour: in this run it took ${againstBeforeCache(a)}. ` +
              'Across runs the hour weighs more than the cache. '
            : // the calibration above held until the ingestor's own writes changed; the ratios are kept for the record, without it
              `The ingestor's writes have changed since (append_many tries a call's keys as all new first, 2026-12-03; AppendBatcher fills its calls evenly, 2026-12-04), so its CPU against then is no longer the host's speed alone: in this run it took ${againstBeforeCache(a)}. `) +
          'Measured in turns on this log, the cache, which cannot hold its pairs here, took 12-35% more of the projector\'s CPU than none' +
          (measuredBefore(measuredAt, PAIR_CACHE_RESTS_LANDED)
            ? ' (decision 0018); this run predates its rest, the rule that now leaves such a cache out of the batches (decision 0018, amendment).'
            : '; since a full cache that misses rests (here after its first few batches, the rest without it), 3-19% (decision 0018, amendment).')),
    '',
  ];
}
