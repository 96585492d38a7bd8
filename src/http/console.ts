/**
 * The admin console (issue 7): a single-page app built into console/dist at install time
 * (`npm run build:console`, run by `npm ci` through `prepare`) and served here, same origin as the
 * API it calls. Public like /docs: the page holds no data, every call it makes needs a key.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

// Same-origin only and no inline script or style: a pasted key cannot be sent anywhere else even
// if some user field were ever rendered unescaped.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const UNBUILT = 'The admin console has not been built. Run `npm run build:console` in the Userplane directory, then restart the server.\n';

export const consoleRoutes: FastifyPluginAsync<{ root?: string }> = async (app, opts) => {
  const root = opts.root ?? CONSOLE_DIST;
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  if (!existsSync(`${root}/index.html`)) {
    const unbuilt = async (_request: unknown, reply: FastifyReply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(UNBUILT);
    app.get('/console', { schema: { hide: true } }, unbuilt);
    app.get('/console/*', { schema: { hide: true } }, unbuilt);
    return;
  }

  await app.register(fastifyStatic, {
    root,
    prefix: '/console',
    redirect: true, // /console → /console/
    decorateReply: false,
    // Assets are named by content hash (console/build.js), so they never change; index.html must always be re-checked.
    cacheControl: false,
    setHeaders: (response, path) => {
      response.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
};
