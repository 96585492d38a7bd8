/**
 * No personal data in request logs by default (issue 16, item 6): the values of the identifier
 * filters (email, username, external_id, q) in a query string, and the external id in WorkOS's
 * /user_management/users/external_id/{external_id} path, are masked in the `req` of Fastify's
 * request logs. At debug (or trace) level the URL is logged as sent, for finding a caller's problem.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';

export const MASK = '***';

/** Query parameters whose values identify a person (also in the `name[]` spelling). */
const MASKED_PARAMETERS = new Set(['email', 'username', 'external_id', 'q']);

/** Paths with an identifier in them: the part the first group ends with is kept, the second masked. */
const MASKED_PATHS = [/^(\/user_management\/users\/external_id\/)([^/?#]+)/];

function parameterName(encoded: string): string {
  let name = encoded.replace(/\+/g, ' ');
  try {
    name = decodeURIComponent(name);
  } catch {
    // A malformed escape is compared as it was sent.
  }
  return name.endsWith('[]') ? name.slice(0, -2) : name;
}

/** The URL (path and query) with personal identifiers masked; everything else exactly as sent. */
export function maskUrl(url: string): string {
  const queryAt = url.indexOf('?');
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  for (const pattern of MASKED_PATHS) path = path.replace(pattern, (_all, kept: string) => `${kept}${MASK}`);
  if (queryAt === -1) return path;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1 || !MASKED_PARAMETERS.has(parameterName(pair.slice(0, equals)))) return pair;
      return `${pair.slice(0, equals + 1)}${MASK}`;
    })
    .join('&');
  return `${path}?${query}`;
}

/** True when the logger writes debug lines: then the URL is logged unmasked. */
function showsDebug(level: string): boolean {
  return level === 'debug' || level === 'trace';
}

/** Fastify's `req` log serializer, with maskUrl applied unless `level()` is debug or trace. */
export function requestSerializer(level: () => string) {
  return (request: FastifyRequest) => ({
    method: request.method,
    url: showsDebug(level()) ? request.url : maskUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket ? request.socket.remotePort : undefined,
  });
}

/** A logger made elsewhere (the CLI's), as the server's: the same output with masked request URLs. */
export function withMaskedRequests(logger: FastifyBaseLogger): FastifyBaseLogger {
  return logger.child({}, { serializers: { req: requestSerializer(() => logger.level) } });
}
