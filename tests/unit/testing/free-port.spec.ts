import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freePort, freePortBlock } from '@annals/testing';

/** The first port the kernel gives outgoing connections (and listen(0)) on this machine. */
function ephemeralFloor(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePort: a loopback port for a server a test starts next', () => {
  it('is below the ephemeral range, where no outgoing connection can hold it before the server listens', async () => {
    const port = await freePort();
    expect(port).toBeLessThan(ephemeralFloor());
    const server = await listen(port);
    server.close();
  });

  it('several taken before any server listens are distinct', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(new Set(ports).size).toBe(3);
  });

  it('skips a port something listens on, and says so when its whole block is taken', async () => {
    const { first, last } = freePortBlock();
    const servers: Server[] = [];
    try {
      for (let port = first; port < last; port++) {
        // a port something else holds already is taken all the same
        const server = await listen(port).catch(() => undefined);
        if (server) servers.push(server);
      }
      expect(await freePort()).toBe(last);
      servers.push(await listen(last));
      await expect(freePort()).rejects.toThrow(`freePort: every port in ${first}-${last} is in use`);
    } finally {
      for (const server of servers) server.close();
    }
  });
});
