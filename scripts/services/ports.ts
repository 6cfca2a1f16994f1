import fs from 'node:fs';
import net from 'node:net';
import getPort, { portNumbers } from 'get-port';

/**
 * A port to hand to a server that starts later. It comes from below the kernel's ephemeral range: a port the
 * kernel may give away itself (to listen(0) or to the local end of an outgoing connection) can be taken in the
 * gap between this check and the server's listen, which CI saw as EADDRINUSE. get-port also keeps a port it
 * returned from being returned again for 15 s in this process.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const below = Math.min(ephemeralLow, 65_536) - 1;
  if (below - FIRST_PORT < 1_000) return getPort({ host });
  // A random start, so processes picking ports at the same time seldom try the same one first.
  const start = FIRST_PORT + Math.floor(Math.random() * (below - FIRST_PORT));
  return getPort({ host, port: [...portNumbers(start, below), ...portNumbers(FIRST_PORT, start - 1)] });
}

/** Below this are well-known and commonly configured ports. */
const FIRST_PORT = 15_000;

/** Linux's range for kernel-chosen ports; elsewhere the IANA dynamic range. */
function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // Not Linux: fall through.
  }
  return [49_152, 65_535];
}

export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(host, port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not accept connections on ${host}:${port} within ${timeoutMs} ms`);
}
