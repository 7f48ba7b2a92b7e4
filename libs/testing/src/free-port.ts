import { createServer } from 'node:net';

// Ports for servers that tests and benchmarks start mid-run: 26000-28999. They lie below the
// kernel's ephemeral range (32768-60999 on Linux), clear of the fixed ports the suites use
// (chaos brokers at 24xxx, tests' own PostgreSQL at 25xxx, the stack check at 29092).
// A port from listen(0) comes from the ephemeral range: between the probe closing it and the
// app listening on it, any outgoing connection of the run (to Kafka, to PostgreSQL) could take it
// as its source port, and the app then failed with EADDRINUSE (CI, 2026-12-02: export.spec's
// second api). No client socket is ever given a port below the range.
const FIRST = 26_000;
const BLOCK = 250;
const BLOCKS = 12;

/** The ports this process draws from: each jest worker has its own block, so two workers cannot be handed one port. */
export function freePortBlock(): { first: number; last: number } {
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const first = FIRST + ((Number.isInteger(worker) && worker > 0 ? worker - 1 : 0) % BLOCKS) * BLOCK;
  return { first, last: first + BLOCK - 1 };
}

// Where this module instance goes on in its block: from a random place, so that a test file
// after one that leaked a server does not start on that server's port.
let next = Math.floor(Math.random() * BLOCK);

function listens(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(true) : reject(error)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/**
 * A loopback port nothing listens on now, for a server the caller starts next. One module
 * instance goes round its block, so a caller may take several before it starts any of their
 * servers and get distinct ones.
 */
export async function freePort(): Promise<number> {
  const { first, last } = freePortBlock();
  for (let tried = 0; tried < BLOCK; tried++) {
    const port = first + (next++ % BLOCK);
    if (!(await listens(port))) return port;
  }
  throw new Error(`freePort: every port in ${first}-${last} is in use`);
}
