import { interleaved, pairedRatios, summarize } from '../../../bench/lib/stats';

/**
 * The benchmark's ratios are fair only if every contender runs as often as the others, in turns
 * that alternate (A B B A ...), and a trial cut in blocks reports the rate of all its blocks'
 * work together: a block run in a slow spell weighs by the time it took, as it would in one run.
 */
describe('bench: interleaved trials', () => {
  it('alternates the contenders A B B A, each called once per trial', async () => {
    const calls: string[] = [];
    const contender = (name: string) => async () => {
      calls.push(name);
      return 1;
    };
    await interleaved({ a: contender('a'), b: contender('b') }, 3);
    expect(calls.join('')).toBe('abbaab');
  });

  it('with blocks, alternates block by block and calls each contender blocks x trials times', async () => {
    const calls: string[] = [];
    const contender = (name: string) => async () => {
      calls.push(name);
      return 1;
    };
    await interleaved({ a: contender('a'), b: contender('b'), c: contender('c') }, 2, 3);
    expect(calls.join('')).toBe('abccba'.repeat(3));
  });

  it("reports a trial's rate over all its blocks' work: a slow block weighs by its time", async () => {
    // 1,000 events per block: blocks at 1,000/s and 4,000/s take 1 s and 0.25 s, 2,000 events in 1.25 s
    const rates = [1000, 4000, 500, 500];
    let call = 0;
    const result = await interleaved({ only: async () => rates[call++]! }, 2, 2);
    expect(result.only.trials).toEqual([1600, 500]);
    expect(result.only.median).toBe(1050);
  });

  it('keeps one trial per call without blocks', async () => {
    const rates = [3, 1, 2];
    let call = 0;
    const result = await interleaved({ only: async () => rates[call++]! }, 3);
    expect(result.only.trials).toEqual([3, 1, 2]);
    expect(result.only.median).toBe(2);
  });

  it('pairs the trials of two contenders by round: the ratio of each round, not of sorted values', () => {
    // a slow second round for both: every round's ratio is 2
    const a = summarize([400, 100, 300]);
    const b = summarize([200, 50, 150]);
    expect(pairedRatios(a, b)).toEqual([2, 2, 2]);
    // values sorted apart would pair 100 with 150 and 400 with 50; rounds do not
    const c = summarize([100, 400]);
    const d = summarize([50, 400]);
    expect(pairedRatios(c, d)).toEqual([2, 1]);
  });

  it('pairs nothing when the two were not measured together (their trials differ in number)', () => {
    expect(pairedRatios(summarize([1, 2, 3]), summarize([1, 2]))).toEqual([]);
  });
});
