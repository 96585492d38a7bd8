/** One HTTP attempt: POST the body, and say how it went in the terms an admin reads. */

export interface SendResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

const USER_AGENT = 'Userplane-Webhooks/1';
const SNIPPET = 200;

export async function postWebhook(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
      // A redirect is the receiver's misconfiguration to fix, not a place to resend a signed body.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The timeout covers the response body too: a receiver that answers and then stalls is still stalled.
    const text = await readSnippet(response);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, latencyMs: latency(), error: null };
    const snippet = text.trim().slice(0, SNIPPET);
    return { ok: false, status: response.status, latencyMs: latency(), error: `HTTP ${response.status}${snippet ? `: ${snippet}` : ''}` };
  } catch (error) {
    return { ok: false, status: null, latencyMs: latency(), error: describe(error, timeoutMs) };
  }
}

/** The start of the response body, for the error an admin sees; the rest is not read into memory. */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.length < SNIPPET) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => {});
  return text;
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `Timed out after ${timeoutMs} ms`;
  // fetch wraps the socket error; its code (ECONNREFUSED, ENOTFOUND, …) is what an admin can act on.
  if (e.cause?.code) return `Connection failed: ${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`;
  return `Request failed: ${e.cause?.message ?? e.message ?? String(error)}`;
}
