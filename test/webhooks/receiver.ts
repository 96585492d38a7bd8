/** A webhook receiver on 127.0.0.1 that records every request and answers as the test says. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  /** The request path, e.g. /hooks/orders: tests give each endpoint its own. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, any>;
  at: number;
}

/** A status to answer with, or 'hang' to never answer (a timeout, or a sender killed mid-request). */
export type Answer = number | 'hang';
export type Responder = (request: Received, index: number) => Answer | Promise<Answer>;

export interface Receiver {
  url: string;
  received: Received[];
  respond: Responder;
  /** Resolves once `predicate` holds for what was received; rejects after `timeoutMs`. */
  waitFor(predicate: (received: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** `into`: an object to make the receiver of (a suite hands its tests one before it starts). */
export async function startReceiver(respond: Responder = () => 200, into: object = {}): Promise<Receiver> {
  const sockets = new Set<Socket>();
  const receiver: Receiver = Object.assign(into, {
    url: '',
    received: [],
    respond,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver.received)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${receiver.received.length} requests`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return receiver.received;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies Receiver);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, any> = {};
      try {
        json = JSON.parse(body);
      } catch {
        // Recorded as it came; the test's assertions say what was wrong.
      }
      const request: Received = { path: req.url ?? '', headers: req.headers, body, json, at: Date.now() };
      const index = receiver.received.push(request) - 1;
      const answer = await receiver.respond(request, index);
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 300 ? 'receiver says no' : 'ok');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

/** A URL nothing listens on: a port that was just free. */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
