import { appendReach, type AppendReach } from '../../../bench/lib/append-reach';

/**
 * Under a missed append target, docs/benchmarks.md says whether the gap is Annals' own or out of
 * reach on this machine. With two floors it must judge by the one that keeps a chain the log can
 * check, and never call a target out of reach that a floor keeping what Annals keeps reaches.
 */
describe('bench: whether a missed append target is within the floors\' reach', () => {
  const times = (x: number) => `${x.toFixed(2)}× Emmett`;
  const missed = (r: Partial<AppendReach>) => appendReach({ got: 1.43, needed: 1.5, writerFloor: 1.69, what: times, anatomyBelow: '', ...r });

  it('puts the gap on Annals when the floor chained in PostgreSQL reaches the target', () => {
    const says = missed({ chainedFloor: 1.6 });
    expect(says).toMatch(/^within the reach of the floor chained in PostgreSQL 1\.60× Emmett/);
    expect(says).toContain('Annals would have to run at 94% of its rate');
    expect(says).toContain("Annals' own gap");
  });

  it('calls the target out of reach for a store chaining in PostgreSQL only when that floor misses it, naming how close Annals comes', () => {
    const says = missed({ chainedFloor: 1.46 });
    expect(says).toMatch(/^out of reach on this machine for a store that chains its events as stored, in PostgreSQL/);
    expect(says).toContain('reaches only 1.46× Emmett');
    expect(says).toContain('Annals runs at 98% of its rate');
    // the writer's floor is still given, with why it does not count
    expect(says).toContain('reaches 1.69× Emmett');
    expect(says).toContain('nothing read back from its log reproduces that chain');
  });

  it('calls the target out of reach when neither floor reaches it', () => {
    const says = missed({ writerFloor: 1.46, chainedFloor: 1.3 });
    expect(says).toMatch(/^out of reach on this machine: neither floor reaches it/);
    expect(says).toContain('the floor chained in PostgreSQL 1.30× Emmett');
    expect(says).toContain('the floor whose writer makes the chain 1.46× Emmett');
  });

  it('does not call the target out of reach when only the writer\'s floor misses it', () => {
    // the run of 2026-12-03 10:52 UTC at batch 100, 8 writers: the writer's floor 1.48x, the floor chained in PostgreSQL 1.78x
    const says = missed({ got: 1.49, writerFloor: 1.48, chainedFloor: 1.78 });
    expect(says).not.toContain('out of reach');
    expect(says).toMatch(/^within the reach of the floor chained in PostgreSQL 1\.78× Emmett/);
  });

  it('says when only the writer\'s COPY form reaches the target', () => {
    expect(missed({ chainedFloor: 1.4, writerFloor: 1.52, writerFloorInsert: 1.45 })).toContain('only its COPY form gets there');
    expect(missed({ chainedFloor: 1.4, writerFloor: 1.52, writerFloorInsert: 1.51 })).not.toContain('COPY');
  });

  it('judges results measured before the floor chained in PostgreSQL by the writer\'s floor alone', () => {
    expect(missed({})).toMatch(/^within the floor's reach \(1\.69× Emmett; Annals would have to run at 89% of the floor's rate\): Annals' own gap$/);
    expect(missed({ writerFloor: 1.46 })).toBe('out of reach on this machine: the floor reaches only 1.46× Emmett');
    expect(missed({ writerFloor: 1.51, writerFloorInsert: 1.48 })).toContain('only its COPY form gets there');
  });
});
