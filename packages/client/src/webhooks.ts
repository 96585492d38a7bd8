/**
 * verifyWebhook: checks a delivery's Standard Webhooks signature (https://www.standardwebhooks.com)
 * with Web Crypto, so it runs on Node 20+, in browsers, workers and edge runtimes without a
 * dependency: HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" with the secret's bytes,
 * compared in constant time by crypto.subtle.verify.
 */
import type { components } from './schema.ts';

export type WebhookEvent = components['schemas']['WebhookEvent'];

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/** How far a delivery's timestamp may be from now (the Standard Webhooks default). */
const TOLERANCE_SECONDS = 5 * 60;

function header(headers: Headers | Record<string, string | string[] | undefined>, name: string): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The event of a delivery whose signature is valid, else a WebhookVerificationError.
 * `payload` is the raw body as received (not re-serialised JSON); `headers` the request's
 * headers (a Headers, or Node's IncomingHttpHeaders); `secret` the endpoint's whsec_… secret.
 */
export async function verifyWebhook(
  payload: string,
  headers: Headers | Record<string, string | string[] | undefined>,
  secret: string,
  options: { now?: Date } = {},
): Promise<WebhookEvent> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header');
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not a Unix time in seconds');
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - seconds) > TOLERANCE_SECONDS) throw new WebhookVerificationError('webhook-timestamp is more than 5 minutes from now (a replay, or a wrong clock)');

  let keyBytes: Uint8Array<ArrayBuffer>;
  try {
    keyBytes = base64ToBytes(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  } catch {
    throw new WebhookVerificationError('The secret is not a whsec_… secret (base64 after the prefix)');
  }
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${payload}`);
  // Space-separated "v1,<base64>" entries: two while a rotated-out secret still signs.
  for (const entry of signatures.split(' ')) {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) continue;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = base64ToBytes(signature);
    } catch {
      continue;
    }
    if (await crypto.subtle.verify('HMAC', key, bytes, signed)) return JSON.parse(payload) as WebhookEvent;
  }
  throw new WebhookVerificationError('No signature matches: a wrong secret, or the body was changed (verify the raw body)');
}
