import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { freePort } from '../../scripts/services/ports.js';

const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePort', () => {
  // Linux names that range in /proc; elsewhere there is nothing to compare with.
  (fs.existsSync(RANGE_FILE) ? it : it.skip)(
    'stays out of the range the kernel picks ports from itself, which another socket could take first',
    async () => {
      const [low, high] = fs.readFileSync(RANGE_FILE, 'utf8').trim().split(/\s+/).map(Number);
      const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
      for (const port of ports) expect(port < low! || port > high!).toBe(true);
    },
  );

  it('gives a port a server can listen on, and not the same one twice in a row', async () => {
    const first = await freePort();
    const second = await freePort();
    expect(second).not.toBe(first);
    const servers = await Promise.all([listen(first), listen(second)]);
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });
});
