/**
 * The machine's own floor for the point-in-time question: a bare node:http server that holds every
 * answer a load will ask for, as the bytes the api sent, and only writes them. Nothing is read,
 * computed or serialized per request, so no server of any design can answer the same requests
 * with the same bytes faster on this machine; a latency target it misses is out of reach here
 * for every server, and one it meets is within reach of some design.
 *   node -r @swc-node/register bench/lib/query-send-only-server.ts <port> <upstreamBaseUrl>
 * GET /__fill?seed=S&count=N asks the upstream (the api) for the first N questions of the load with
 * seed S (bench/lib/query-paths.ts), two at a time, and keeps the answers. Any other GET sends the
 * kept answer for its path; a path never filled gets a 500, which the load counts as non-2xx.
 */
import { createServer } from 'node:http';
import { queryPaths } from './query-paths';

const [port, upstream] = process.argv.slice(2);
const answers = new Map<string, { status: number; type: string; body: Buffer }>();

async function fill(seed: number, count: number): Promise<number> {
  const next = queryPaths(seed);
  const paths = Array.from({ length: count }, () => next()).filter((path) => !answers.has(path));
  const fetchOne = async (path: string) => {
    const response = await fetch(upstream + path);
    answers.set(path, { status: response.status, type: response.headers.get('content-type') ?? 'application/json', body: Buffer.from(await response.arrayBuffer()) });
  };
  for (let i = 0; i < paths.length; i += 2) await Promise.all(paths.slice(i, i + 2).map(fetchOne));
  return paths.length;
}

createServer((request, response) => {
  const path = request.url ?? '/';
  if (path.startsWith('/__fill?')) {
    const query = new URL(path, 'http://send-only').searchParams;
    fill(Number(query.get('seed')), Number(query.get('count'))).then(
      (fetched) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ fetched, kept: answers.size })),
      (error: Error) => response.writeHead(500).end(`fill failed: ${error.message}`),
    );
    return;
  }
  const answer = answers.get(path);
  if (!answer) {
    response.writeHead(500).end(`no answer kept for ${path}`);
    return;
  }
  response.writeHead(answer.status, { 'content-type': answer.type, 'content-length': answer.body.length });
  response.end(answer.body);
}).listen(Number(port), '127.0.0.1', () => console.log('listening'));
