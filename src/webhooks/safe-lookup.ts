/**
 * DNS with ./address-policy.ts applied: the check of an endpoint URL when it is saved, and the
 * `lookup` a delivery connects through, so a name that resolves inside the network (then, or later:
 * DNS rebinding) is refused before any connection is made.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { internalAddress, judgeHost, refusal } from './address-policy.ts';

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Thrown (or passed to a lookup callback) when the policy refuses an address; `code` names it in attempt logs. */
export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
}

/** How long saving an endpoint waits for DNS before accepting the name (delivery checks it again anyway). */
const SAVE_LOOKUP_TIMEOUT_MS = 3000;

/**
 * Why an endpoint URL may not be saved, or null. A literal address or a localhost name is judged
 * as written; any other name is resolved and refused when any of its addresses is internal. A name
 * that does not resolve (yet) is accepted: every delivery resolves and checks it again.
 */
export async function endpointUrlProblem(text: string, resolve: Resolver = systemResolver): Promise<string | null> {
  const { hostname } = new URL(text);
  const verdict = judgeHost(hostname);
  if (verdict.problem) return refusal(hostname, verdict.problem);
  if (verdict.kind === 'address') return null;
  let addresses: LookupAddress[];
  try {
    addresses = await withTimeout(resolve(verdict.name), SAVE_LOOKUP_TIMEOUT_MS);
  } catch {
    return null;
  }
  for (const { address } of addresses) {
    const problem = internalAddress(address);
    if (problem) return refusal(hostname, problem, address);
  }
  return null;
}

/** Why a delivery may not even connect to this URL's literal address or localhost name, or null (other names: the lookup). */
export function literalHostProblem(url: URL): string | null {
  const { problem } = judgeHost(url.hostname);
  return problem ? refusal(url.hostname, problem) : null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request / net.connect: resolves with `resolve` and fails with
 * AddressRefusedError when any address is internal, so the socket never connects there.
 */
export function guardedLookup(resolve: Resolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        for (const { address } of wanted) {
          const problem = internalAddress(address);
          if (problem) return callback(new AddressRefusedError(refusal(hostname, problem, address)), '');
        }
        if (wanted.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
        if (options.all) return callback(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
