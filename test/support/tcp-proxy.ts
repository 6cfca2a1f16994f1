import net from 'node:net';

export interface TcpProxy {
  /** host:port clients connect to instead of the target. */
  address: string;
  /** Stops forwarding in both directions, as a paused or partitioned server would: bytes are held. */
  pause(): void;
  /** Forwards what was held, then everything again. */
  resume(): void;
  close(): Promise<void>;
}

interface Direction {
  from: net.Socket;
  to: net.Socket;
  held: Buffer[];
}

/**
 * A TCP proxy a test controls, to stall one process's connections to a shared server (MongoDB, Redis)
 * without pausing the server other test files use.
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let paused = false;
  const directions = new Set<Direction>();
  const sockets = new Set<net.Socket>();

  const forward = (direction: Direction) => {
    direction.from.on('data', (chunk: Buffer) => {
      if (paused) direction.held.push(chunk);
      else direction.to.write(chunk);
    });
    directions.add(direction);
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    forward({ from: client, to: upstream, held: [] });
    forward({ from: upstream, to: client, held: [] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const direction of directions) {
        for (const chunk of direction.held.splice(0)) {
          if (!direction.to.destroyed) direction.to.write(chunk);
        }
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
