import { fmt } from './stats';

/**
 * What docs/benchmarks.md says under an append target that Annals missed: whether the floors
 * reach it, and so whether the gap is Annals' own or out of reach on this machine.
 *
 * Two floors bound two ways to keep a hash chain. The writer's floor chains its rows as its
 * writer printed them, in Node: the least work of all, but bytes of its own, which no check inside
 * PostgreSQL recomputes. The floor chained in PostgreSQL chains the events as stored,
 * where Annals does (decision 0004). Figures are ratios to the target's baseline (Emmett, or the
 * raw INSERT).
 */
export interface AppendReach {
  /** Annals' ratio, below `needed`. */
  got: number;
  needed: number;
  /** The writer's floor, its faster form (INSERT, or COPY at batch 100). */
  writerFloor: number;
  /** The writer's floor in its INSERT form (absent: not measured). */
  writerFloorInsert?: number;
  /** The floor chained in PostgreSQL (absent in results measured before it). */
  chainedFloor?: number;
  /** A ratio as the target prints it ("1.46× Emmett", "62% of raw INSERT"). */
  what: (ratio: number) => string;
  /** Where to read more of Annals' gap (" (... below)"), or ''. */
  anatomyBelow: string;
}

const percent = (part: number, whole: number) => `${fmt((100 * part) / whole)}%`;

export function appendReach(r: AppendReach): string {
  const copyOnly = (floor: number) =>
    r.writerFloorInsert !== undefined && r.writerFloorInsert > 0 && r.writerFloorInsert < r.needed && floor >= r.needed
      ? ", faster than the floor's INSERT form: only its COPY form gets there"
      : '';
  if (r.chainedFloor === undefined || !Number.isFinite(r.chainedFloor)) {
    if (r.writerFloor < r.needed) return `out of reach on this machine: the floor reaches only ${r.what(r.writerFloor)}`;
    return `within the floor's reach (${r.what(r.writerFloor)}; Annals would have to run at ${percent(r.needed, r.writerFloor)} of the floor's rate${copyOnly(r.writerFloor)}): Annals' own gap${r.anatomyBelow}`;
  }
  // The floor chained in PostgreSQL decides: it keeps what Annals keeps, its chain included. It
  // can be the faster of the two (the writer's floor hashes in Node and sends json[] arrays,
  // which pg escapes), so the writer's floor missing the target does not put it out of reach.
  if (r.chainedFloor >= r.needed) {
    return `within the reach of the floor chained in PostgreSQL ${r.what(r.chainedFloor)} (Annals would have to run at ${percent(r.needed, r.chainedFloor)} of its rate): Annals' own gap${r.anatomyBelow}`;
  }
  if (r.writerFloor < r.needed) {
    return `out of reach on this machine: neither floor reaches it (the floor chained in PostgreSQL ${r.what(r.chainedFloor)}, the floor whose writer makes the chain ${r.what(r.writerFloor)}); Annals runs at ${percent(r.got, r.chainedFloor)} of the first's rate`;
  }
  return (
    `out of reach on this machine for a store that chains its events as stored, in PostgreSQL (decision 0004): the floor chained so reaches only ${r.what(r.chainedFloor)}, ` +
    `and Annals runs at ${percent(r.got, r.chainedFloor)} of its rate. The floor whose writer chains its own JSON text reaches ${r.what(r.writerFloor)}${copyOnly(r.writerFloor)}, ` +
    'but nothing read back from its log reproduces that chain'
  );
}
