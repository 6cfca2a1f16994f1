import { once } from 'node:events';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType, type Message } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually } from '../../support/harness.js';

/**
 * A graphql-ws socket at the level of the protocol's messages and close codes, which graphql-ws's own
 * client hides (it retries, and reports `error` and `next` alike through one sink): what a test needs to
 * tell an `error` message from a `next`, or a 4403 from a 4408.
 */
export interface RawGraphqlWs {
  /** Every message the server has sent so far, parsed. */
  readonly received: Message[];
  /** Resolves when the server (or the test) closes the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: Message): void;
  /** Any text, as one WebSocket message (for messages the protocol or the limits refuse). */
  sendText(text: string): void;
  /** The messages for one operation id, once `done` says they are complete. */
  messagesFor(id: string, done?: (messages: Message[]) => boolean, timeoutMs?: number): Promise<Message[]>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  close(): void;
}

/**
 * Opens a socket (with `headers` on its upgrade request, as a non-browser client may send them); unless
 * `init: false`, sends connection_init with the given params.
 */
export async function openRawGraphqlWs(
  httpUrl: string,
  options: {
    connectionParams?: Record<string, unknown>;
    headers?: Record<string, string>;
    init?: boolean;
  } = {},
): Promise<RawGraphqlWs> {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), GRAPHQL_TRANSPORT_WS_PROTOCOL, {
    headers: options.headers,
  });
  const received: Message[] = [];
  socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as Message));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
  socket.on('error', () => undefined); // the close code is what the tests assert
  await once(socket, 'open');
  const sendText = (text: string) => socket.send(text);
  const send = (message: Message) => sendText(JSON.stringify(message));
  if (options.init !== false)
    send({ type: MessageType.ConnectionInit, payload: options.connectionParams ?? {} });
  const forId = (id: string) => received.filter((message) => 'id' in message && message.id === id);
  return {
    received,
    closed,
    send,
    sendText,
    async messagesFor(id, done = (messages) => messages.some(isFinal), timeoutMs = 15_000) {
      return eventually(async () => (done(forId(id)) ? forId(id) : undefined), timeoutMs);
    },
    subscribe(id, query, variables) {
      send({ id, type: MessageType.Subscribe, payload: { query, variables } });
    },
    close() {
      socket.close();
    },
  };
}

/** `error` and `complete` end an operation (graphql-ws PROTOCOL.md). */
export const isFinal = (message: Message) =>
  message.type === MessageType.Error || message.type === MessageType.Complete;

/** Waits until the server acknowledged connection_init. */
export async function acknowledged(socket: RawGraphqlWs): Promise<void> {
  await eventually(
    async () =>
      socket.received.some((message) => message.type === MessageType.ConnectionAck) ? true : undefined,
    10_000,
  );
}
