import { BenchContext } from './lib/bench-context';
import { dataset, replayBenchmark } from './replay.bench';
(async () => {
  const ctx = new BenchContext();
  await ctx.up();
  const n = Number(process.argv[2] ?? 100000);
  let t = Date.now();
  const data = await dataset(ctx, n);
  console.log('dataset', n, (Date.now() - t) / 1000, 's');
  t = Date.now();
  const r = await replayBenchmark(ctx, data, { trials: 1 });
  console.log(JSON.stringify(r.eventsPerSecond), r.membershipRows, (Date.now() - t) / 1000, 's');
  process.exit(0);
})();
