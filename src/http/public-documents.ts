/**
 * /openapi.json and /docs/json are the same document, public and large: it is rendered once, kept
 * in memory identity-, gzip- and brotli-encoded, and served with a weak ETag (304 on a matching
 * If-None-Match), so a flood of them costs a hash lookup and a write, not a render per request.
 */
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Routes whose body is the OpenAPI document: ours and the one @fastify/swagger-ui serves to its page. */
const DOCUMENT_ROUTES = new Set(['/openapi.json', '/docs/json']);

export interface RenderedDocument {
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

export function renderDocument(document: unknown): RenderedDocument {
  const identity = Buffer.from(JSON.stringify(document), 'utf8');
  return {
    // Weak: the three encodings are the same representation, so one validator serves them all.
    etag: `W/"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
    identity,
    gzip: gzipSync(identity, { level: 9 }),
    br: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
  };
}

/** The best encoding the client accepts: br, then gzip, else none. */
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | null {
  if (!acceptEncoding) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (!name) continue;
    const q = params.find((param) => param.startsWith('q='));
    accepted.set(name, q ? Number(q.slice(2)) || 0 : 1);
  }
  const weight = (name: string) => accepted.get(name) ?? (name !== 'identity' ? accepted.get('*') : undefined) ?? 0;
  if (weight('br') > 0) return 'br';
  if (weight('gzip') > 0 || (accepted.get('x-gzip') ?? 0) > 0) return 'gzip';
  return null;
}

/** If-None-Match with weak comparison (RFC 9110 13.1.2): `*` or any listed tag equal to ours, W/ or not. */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

export const publicDocuments = fp(async (app: FastifyInstance) => {
  let rendered: RenderedDocument | null = null;
  // Every route is registered by the time the first request arrives, so the document is final.
  const documentOf = () => (rendered ??= renderDocument(app.swagger()));

  app.addHook('onRequest', async (request, reply) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !DOCUMENT_ROUTES.has(request.routeOptions.url ?? '')) return;
    const document = documentOf();
    reply.header('ETag', document.etag).header('Vary', 'Accept-Encoding').header('Cache-Control', 'public, max-age=60');
    if (matchesEtag(request.headers['if-none-match'], document.etag)) return reply.code(304).send();
    const encoding = chooseEncoding(request.headers['accept-encoding']);
    if (encoding) reply.header('Content-Encoding', encoding);
    return reply.type('application/json; charset=utf-8').send(encoding ? document[encoding] : document.identity);
  });
});
