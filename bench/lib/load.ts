/**
 * The HTTP load generator, in a process of its own (so its CPU is not the api's): autocannon
 * sending GET /coalitions/{id}?at=&knownAt= with random parameters at a fixed overall rate.
 * Prints one JSON line: the latency percentiles of every response, in milliseconds.
 *   node -r @swc-node/register bench/lib/load.ts <baseUrl> <seconds> <requests/s> <seed>
 */
import autocannon from 'autocannon';
import { queryPaths } from './query-paths';
import { percentile } from './stats';

const [baseUrl, seconds, rate, seed] = process.argv.slice(2);
const path = queryPaths(Number(seed ?? 1));

const latencies: number[] = [];
let bytes = 0;
let errors = 0;
let non2xx = 0;
const instance = autocannon(
  {
    url: baseUrl!,
    // Few connections: autocannon paces each connection on its own clock, and 8 connections firing
    // on the same tick would measure the api's queue for bursts of 8, not its latency.
    connections: 2,
    duration: Number(seconds),
    overallRate: Number(rate),
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path() }) }],
  },
  () => {
    console.log(
      JSON.stringify({
        requests: latencies.length,
        errors,
        non2xx,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        // the answer's size: how much the query has to find, serialize and send
        meanBytes: latencies.length ? Math.round(bytes / latencies.length) : 0,
      }),
    );
  },
);
instance.on('response', (_client: unknown, status: number, responseBytes: number, responseTime: number) => {
  latencies.push(responseTime);
  bytes += responseBytes;
  if (status < 200 || status >= 300) non2xx++;
});
instance.on('reqError', () => errors++);
