import { readFileSync } from 'node:fs';

/** What a V8 CPU profile (`node --cpu-prof`) holds, as far as a summary reads it. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  /** Microseconds on the machine's monotonic clock, the clock of process.hrtime in every process. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One share of an app's busy time: where its code lives, or one function. */
export interface ProfileShare {
  name: string;
  /** Of the busy time sampled in the window (idle left out), 0..1. */
  share: number;
}

/** Where one app's CPU went in a window of its run, by the code that was running (self time). */
export interface ProfileSummary {
  /**
   * Busy time sampled in the window, seconds (the garbage collector included, idle not). V8 samples
   * on the wall clock: time the app's thread waited for a core counts, charged to the function it was in.
   */
  busySeconds: number;
  /** By where the code lives: a library or app of Annals, an npm package, Node.js itself, the garbage collector. */
  byPlace: ProfileShare[];
  /** The functions that ran the most, each with where it lives. */
  topFunctions: ProfileShare[];
}

/** The time of the monotonic clock V8's profiles use, in microseconds (process.hrtime's clock). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Where a frame's code lives: `libs/domain`, `pkg pg-protocol`, `Node.js`, or V8's own pseudo-frames. */
function placeOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'V8 (compiling, runtime)';
    // native functions without a script: JSON.parse, RegExp, Buffer and socket writes...
    return 'Node.js and V8 built-ins';
  }
  if (url.startsWith('node:')) return 'Node.js and V8 built-ins';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const own = /\/((?:libs|apps)\/[^/]+)\//.exec(url);
  return own ? own[1]! : 'other';
}

/** A function as a reader finds it: its name, and for Annals' own code its file and line; V8's pseudo-frames by what they are. */
function functionLabel(frame: { functionName: string; url: string; lineNumber: number }, place: string): string {
  if (frame.url === '' && frame.functionName.startsWith('(')) return frame.functionName.slice(1, -1);
  const name = frame.functionName || '(anonymous)';
  const file = /\/((?:libs|apps)\/[^/]+\/.*)$/.exec(frame.url);
  if (file) return `${name} (${file[1]}:${frame.lineNumber + 1})`;
  return `${name} (${place})`;
}

/**
 * Self time by place and by function over the samples taken between `fromMicros` and `toMicros`
 * (monotonicMicros of the process that watched the run), idle left out. Self time: each sample is
 * charged to the function running, not to its callers, so the shares add up to the whole.
 */
export function summarizeProfile(file: string, fromMicros: number, toMicros: number, top = 10): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromMicros || at > toMicros) continue;
    const frame = frames.get(profile.samples[i]!)!;
    if (frame.functionName === '(idle)') continue;
    busy += delta;
    const place = placeOf(frame.url, frame.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + delta);
    const name = functionLabel(frame, place);
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
  }
  const shares = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => ({ name, share: busy > 0 ? micros / busy : 0 }));
  return { busySeconds: busy / 1e6, byPlace: shares(byPlace, byPlace.size), topFunctions: shares(byFunction, top) };
}
