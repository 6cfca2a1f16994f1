/**
 * Issue 8's graphql-ws attacks against a gateway, at the level of the protocol (message types, close
 * codes), for bench/attacks.ts: what a gateway does with unauthenticated sockets, a socket past the
 * subscription cap, a refusal before an operation starts, and a token that expires while subscribed.
 * test/e2e/gateway-graphql-ws.test.ts asserts the same behaviour; this measures it for older checkouts too.
 */
import { once } from 'node:events';
import WebSocket from 'ws';

interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

interface RawSocket {
  received: WsMessage[];
  closed: Promise<number>;
  send(message: WsMessage): void;
  terminate(): void;
}

async function openSocket(wsUrl: string): Promise<RawSocket> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const received: WsMessage[] = [];
  socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as WsMessage));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', (code: number) => resolve(code)));
  await once(socket, 'open');
  return {
    received,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    terminate: () => socket.terminate(),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** "500×4403, 0 open" and the like: how the sockets ended up after `waitMs`. */
function tally(codes: (number | 'open')[]): string {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(String(code), (counts.get(String(code)) ?? 0) + 1);
  return [...counts].map(([code, count]) => `${count}×${code}`).join(', ');
}

/**
 * Opens `count` sockets that send connection_init with `params` (or nothing, when `params` is undefined)
 * and reports, after `waitMs`, how many were acknowledged and how each socket ended up.
 */
export async function socketFlood(
  wsUrl: string,
  count: number,
  params: Record<string, unknown> | undefined,
  waitMs: number,
): Promise<{ acknowledged: number; outcome: string }> {
  const sockets = await Promise.all(Array.from({ length: count }, () => openSocket(wsUrl)));
  const codes: (number | 'open')[] = Array.from({ length: count }, () => 'open');
  sockets.forEach((socket, index) => void socket.closed.then((code) => (codes[index] = code)));
  if (params) for (const socket of sockets) socket.send({ type: 'connection_init', payload: params });
  await sleep(waitMs);
  const acknowledged = sockets.filter((s) => s.received.some((m) => m.type === 'connection_ack')).length;
  for (const socket of sockets) socket.terminate();
  return { acknowledged, outcome: tally(codes) };
}

async function acknowledgedSocket(wsUrl: string, authorization: string): Promise<RawSocket> {
  const socket = await openSocket(wsUrl);
  socket.send({ type: 'connection_init', payload: { authorization } });
  for (let waited = 0; !socket.received.some((m) => m.type === 'connection_ack'); waited += 20) {
    if (waited > 10_000) throw new Error('the gateway did not acknowledge a socket with a valid token');
    await sleep(20);
  }
  return socket;
}

/** The messages one operation got, as "error FORBIDDEN" or "next, complete". */
function describeOperation(messages: WsMessage[]): { types: string; code: string } {
  const codes = messages.flatMap((message) => {
    const payload = message.payload as
      { extensions?: { code?: string } }[] | { errors?: { extensions?: { code?: string } }[] } | undefined;
    const errors = Array.isArray(payload) ? payload : (payload?.errors ?? []);
    return errors.map((error) => error.extensions?.code ?? '(no code)');
  });
  return { types: messages.map((m) => m.type).join(', ') || 'nothing', code: codes[0] ?? '-' };
}

/** Subscribes once and waits (up to `waitMs`) for the operation to end: which messages it got. */
export async function operationOutcome(
  wsUrl: string,
  authorization: string,
  query: string,
  waitMs = 10_000,
): Promise<{ types: string; code: string }> {
  const socket = await acknowledgedSocket(wsUrl, authorization);
  socket.send({ id: 'op', type: 'subscribe', payload: { query } });
  const ended = () => socket.received.some((m) => m.id === 'op' && ['error', 'complete'].includes(m.type));
  for (let waited = 0; !ended() && waited < waitMs; waited += 20) await sleep(20);
  socket.terminate();
  return describeOperation(socket.received.filter((m) => m.id === 'op'));
}

/** `count` subscriptions on one socket: how many were refused, and with what, after `waitMs`. */
export async function pastTheCap(
  wsUrl: string,
  authorization: string,
  query: string,
  count: number,
  waitMs: number,
): Promise<{ refused: number; how: string }> {
  const socket = await acknowledgedSocket(wsUrl, authorization);
  for (let i = 0; i < count; i += 1) socket.send({ id: `s${i}`, type: 'subscribe', payload: { query } });
  await sleep(waitMs);
  socket.terminate();
  const byId = new Map<string, WsMessage[]>();
  for (const message of socket.received) {
    if (message.id) byId.set(message.id, [...(byId.get(message.id) ?? []), message]);
  }
  const refused = [...byId.values()].filter((messages) =>
    messages.some((m) => m.type === 'error' || m.type === 'complete'),
  );
  const first = refused[0] ? describeOperation(refused[0]) : undefined;
  return { refused: refused.length, how: first ? `${first.types}: ${first.code}` : '-' };
}

/**
 * Subscribes with a token that lapses in `expiresInMs` and waits up to `waitMs` past it: what the
 * operation got and whether (and how) the socket closed.
 */
export async function expiryOutcome(
  wsUrl: string,
  authorization: string,
  query: string,
  expiresInMs: number,
  waitMs: number,
): Promise<{ operation: string; socket: string }> {
  const socket = await acknowledgedSocket(wsUrl, authorization);
  socket.send({ id: 'op', type: 'subscribe', payload: { query } });
  const closed = await Promise.race([socket.closed, sleep(expiresInMs + waitMs).then(() => 'open' as const)]);
  socket.terminate();
  const { types, code } = describeOperation(socket.received.filter((m) => m.id === 'op'));
  return { operation: `${types}: ${code}`, socket: closed === 'open' ? 'still open' : `closed ${closed}` };
}
