/** One HTTP attempt: POST the body, and say how it went in the terms an admin reads. */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { internalAddress, refusal } from './address-policy.ts';
import { AddressRefusedError, guardedLookup, literalHostProblem, systemResolver, type Resolver } from './safe-lookup.ts';

export interface SendResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** The address policy refused the target: sending again would only be refused again. */
  refused?: boolean;
}

export interface SendOptions {
  timeoutMs: number;
  /** Lift the address policy (development and tests). */
  allowPrivateNetworks?: boolean;
  /** DNS for the target's name; tests inject one. */
  resolve?: Resolver;
}

const USER_AGENT = 'Userplane-Webhooks/1';
const SNIPPET = 200;

export async function postWebhook(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const target = new URL(url);
  const guarded = !options.allowPrivateNetworks;
  const refusedUpFront = guarded ? literalHostProblem(target) : null;
  if (refusedUpFront) return { ok: false, status: null, latencyMs: 0, error: `Refused: ${refusedUpFront}`, refused: true };
  // The timeout covers the response body too: a receiver that answers and then stalls is still stalled.
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const { status, text } = await request(target, body, headers, { ...options, signal }, guarded);
    if (status >= 200 && status < 300) return { ok: true, status, latencyMs: latency(), error: null };
    const snippet = text.trim().slice(0, SNIPPET);
    return { ok: false, status, latencyMs: latency(), error: `HTTP ${status}${snippet ? `: ${snippet}` : ''}` };
  } catch (error) {
    if (error instanceof AddressRefusedError) return { ok: false, status: null, latencyMs: latency(), error: `Refused: ${error.message}`, refused: true };
    if (signal.aborted) return { ok: false, status: null, latencyMs: latency(), error: `Timed out after ${options.timeoutMs} ms` };
    return { ok: false, status: null, latencyMs: latency(), error: describe(error) };
  }
}

/**
 * A connection of its own per attempt (no keep-alive pool): each one resolves the name through the
 * guarded lookup, and its peer address is checked once connected, before a byte is written. A
 * redirect is not followed: it is the receiver's misconfiguration, not a place to resend a signed body.
 */
function request(
  target: URL,
  body: string,
  headers: Record<string, string>,
  options: SendOptions & { signal: AbortSignal },
  guarded: boolean,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const client = target.protocol === 'https:' ? https : http;
    const req = client.request(target, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, 'content-length': Buffer.byteLength(body), ...headers },
      signal: options.signal,
      ...(guarded ? { lookup: guardedLookup(options.resolve ?? systemResolver) } : {}),
    });
    req.on('error', reject);
    req.on('socket', (socket: Socket) => {
      const send = () => {
        // Fails closed: a socket that cannot say where it is connected is not written to.
        const problem = guarded ? (socket.remoteAddress ? internalAddress(socket.remoteAddress) : 'an unknown peer address') : null;
        if (problem) req.destroy(new AddressRefusedError(refusal(target.hostname, problem, socket.remoteAddress)));
        else req.end(body);
      };
      if (socket.connecting) socket.once('connect', send);
      else send();
    });
    req.on('response', (response) => {
      readSnippet(response).then((text) => resolve({ status: response.statusCode ?? 0, text }), reject);
    });
  });
}

/** The start of the response body, for the error an admin sees; the rest is not read into memory. */
function readSnippet(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    response.setEncoding('utf8');
    let text = '';
    response.on('data', (chunk: string) => {
      text += chunk;
      if (text.length >= SNIPPET) {
        response.destroy();
        resolve(text);
      }
    });
    response.on('end', () => resolve(text));
    response.on('error', reject);
    response.on('close', () => (response.complete ? resolve(text) : reject(new Error('The response was cut off'))));
  });
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  // The socket's code (ECONNREFUSED, ENOTFOUND, …) is what an admin can act on.
  if (e.code && e.code !== 'ABORT_ERR') return `Connection failed: ${e.code}${e.message ? ` (${e.message})` : ''}`;
  return `Request failed: ${e.message ?? String(error)}`;
}
