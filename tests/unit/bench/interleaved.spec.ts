import { interleaved } from '../../../bench/lib/stats';

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
    expect(calls.join('')).toBe('abccbaabccba');
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
});
