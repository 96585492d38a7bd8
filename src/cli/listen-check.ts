/** Before anything is migrated or forked: can this process listen where it was told to? */
import { createServer } from 'node:net';

/**
 * Binds PORT on HOST once and lets go, so a port in use or a HOST that is not this machine's
 * fails start-up with its own error (EADDRINUSE, EADDRNOTAVAIL, ENOTFOUND) before the database is
 * touched, and before `--workers` forks processes that would each meet it.
 */
export function checkCanListen(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}
