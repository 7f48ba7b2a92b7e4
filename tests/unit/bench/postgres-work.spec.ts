import { postgresWorkBetween, type PostgresWork, type PostgresWorkSnapshot } from '../../../bench/lib/postgres-work';

/**
 * The benchmark splits PostgreSQL's CPU by whom it served (the ingestor's backends, the
 * projector's, its own polling, the rest of the server) between two readings of the postmaster's
 * processes. The parts must add up to the server's CPU over the window, whatever exited or
 * started in between.
 */
describe("bench: PostgreSQL's CPU by whom it served", () => {
  const reading = (rootAndReaped: number, children: Array<[number, number]>, clients: Array<[number, PostgresWork]>): PostgresWorkSnapshot => ({
    rootAndReaped,
    children: new Map(children),
    clients: new Map(clients),
  });
  const total = (r: PostgresWorkSnapshot) => r.rootAndReaped + [...r.children.values()].reduce((a, b) => a + b, 0);
  const sum = (w: Record<PostgresWork, number>) => Object.values(w).reduce((a, b) => a + b, 0);

  it("charges each backend's CPU in the window to the application connected to it", () => {
    const from = reading(1, [[10, 5], [11, 2], [12, 0.5], [20, 3]], [[10, 'ingestor'], [11, 'projector'], [12, 'benchmark']]);
    const to = reading(1, [[10, 7], [11, 6], [12, 0.75], [20, 3.25]], [[10, 'ingestor'], [11, 'projector'], [12, 'benchmark']]);
    const work = postgresWorkBetween(from, to);
    expect(work).toEqual({ ingestor: 2, projector: 4, benchmark: 0.25, background: 0.25 });
    expect(sum(work)).toBeCloseTo(total(to) - total(from));
  });

  it('counts a backend that exited in the window only for what it used after the first reading', () => {
    // pid 11 used 2 s before the window and 1 s in it, then exited: the postmaster reaped all 3 s
    const from = reading(1, [[10, 5], [11, 2]], [[10, 'ingestor'], [11, 'projector']]);
    const to = reading(4, [[10, 6]], [[10, 'ingestor']]);
    const work = postgresWorkBetween(from, to);
    expect(work.ingestor).toBe(1);
    expect(work.background).toBe(1);
    expect(sum(work)).toBeCloseTo(total(to) - total(from));
  });

  it('charges a backend that connected in the window from zero, by the second reading', () => {
    const from = reading(1, [[10, 5]], [[10, 'ingestor']]);
    const to = reading(1, [[10, 5], [30, 0.5]], [[10, 'ingestor'], [30, 'projector']]);
    expect(postgresWorkBetween(from, to)).toEqual({ ingestor: 0, projector: 0.5, benchmark: 0, background: 0 });
  });

  it('charges a process no session list names (autovacuum, the WAL writer) to the background', () => {
    const from = reading(1, [[40, 1]], []);
    const to = reading(1, [[40, 1.5], [41, 0.25]], []);
    expect(postgresWorkBetween(from, to)).toEqual({ ingestor: 0, projector: 0, benchmark: 0, background: 0.75 });
  });
});
