import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system) of processes, from /proc: how the shared cores were spent. */
const TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
  } catch {
    return 0;
  }
}

/** The pids of a process tree: PostgreSQL's backends are children of the postmaster. */
export function withChildren(root: number): number[] {
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

/** Measures the CPU seconds a group of processes spends while `work` runs (children found at the end, short-lived ones missed). */
export class CpuMeter {
  private start = new Map<number, number>();
  constructor(private readonly roots: () => Record<string, number | undefined>) {}

  begin(): void {
    this.start.clear();
    for (const root of Object.values(this.roots())) if (root) for (const pid of withChildren(root)) this.start.set(pid, cpuSeconds(pid));
  }

  end(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [name, root] of Object.entries(this.roots())) {
      if (!root) continue;
      result[name] = withChildren(root).reduce((sum, pid) => sum + cpuSeconds(pid) - (this.start.get(pid) ?? 0), 0);
    }
    return result;
  }
}
