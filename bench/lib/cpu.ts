import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system) of processes, from /proc: how the shared cores were spent. */
const TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

function cpuSeconds(pid: number, withExitedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]); // utime, stime
    const exited = withExitedChildren ? Number(fields[13]) + Number(fields[14]) : 0; // cutime, cstime: children it has reaped
    return (own + exited) / TICKS;
  } catch {
    return 0;
  }
}

/** The pids of a process tree: PostgreSQL's backends are children of the postmaster. */
function withChildren(root: number): number[] {
  const pids = [root];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === root) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/**
 * A process tree's CPU seconds so far, apart: each live child by pid, and the root's own with
 * the children it has reaped (`rootAndReaped`). Read twice, the children's parts say which of
 * PostgreSQL's processes did the work in between (PostgresWork).
 */
export function treeSecondsByChild(root: number): { rootAndReaped: number; children: Map<number, number> } {
  const children = new Map<number, number>();
  for (const pid of withChildren(root)) if (pid !== root) children.set(pid, cpuSeconds(pid));
  return { rootAndReaped: cpuSeconds(root, true), children };
}

/** A reading of treeSecondsByChild, in all: the root's own, its reaped children's and its live children's. */
export function treeTotal(reading: ReturnType<typeof treeSecondsByChild>): number {
  let sum = reading.rootAndReaped;
  for (const seconds of reading.children.values()) sum += seconds;
  return sum;
}

/**
 * The CPU seconds a process tree has used so far: the root, its live children, and the children
 * it has reaped (PostgreSQL's backends exit when their connection closes; the postmaster reaps
 * them, and their time moves into its cutime/cstime).
 */
export function treeSeconds(root: number): number {
  return treeTotal(treeSecondsByChild(root));
}

/** Measures the CPU seconds groups of processes spend while some work runs. */
export class CpuMeter {
  private start = new Map<string, number>();
  constructor(private readonly roots: () => Record<string, number | undefined>) {}

  begin(): void {
    this.start.clear();
    for (const [name, root] of Object.entries(this.roots())) if (root) this.start.set(name, treeSeconds(root));
  }

  end(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [name, root] of Object.entries(this.roots())) {
      if (root) result[name] = treeSeconds(root) - (this.start.get(name) ?? 0);
    }
    return result;
  }
}

/**
 * The machine's CPU time so far from /proc/stat, in seconds summed over its cores: `idle` (idle
 * and waiting on I/O), `stolen` (steal: time the cores were runnable but the hypervisor ran
 * other machines on them) and `total` (everything, stolen time included). Its share of idle over
 * a window says whether the work left the cores unused; its share of stolen, how much of the
 * machine a noisy neighbour took meanwhile (which no ratio within the run corrects for figures
 * measured against a fixed limit, such as the burst's 5 s).
 */
export function machineSeconds(): { idle: number; stolen: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const ticks = fields.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
  return { idle: (ticks[3]! + ticks[4]!) / TICKS, stolen: (ticks[7] ?? 0) / TICKS, total: ticks.reduce((a, b) => a + b, 0) / TICKS };
}

type MachineSeconds = ReturnType<typeof machineSeconds>;

/** The share of the machine's CPU time that was `part` (idle or stolen) between two readings of machineSeconds. */
export function machineShare(part: 'idle' | 'stolen', from: MachineSeconds, to: MachineSeconds): number {
  return (to[part] - from[part]) / Math.max(1e-9, to.total - from.total);
}
