/**
 * How a command that cannot start says so: one line naming what is wrong, exit 1, and the stack
 * only at LOG_LEVEL=debug (or trace), for the operator who asks for it.
 */
import { ConfigError } from '../config.ts';

/** A failure whose message is already the whole story (e.g. `keys revoke` of an unknown id). */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The one line for an error met while starting or running a command. */
export function describeFailure(error: unknown, config: { port: number; host: string } | null): string {
  if (error instanceof ConfigError || error instanceof CommandError) return error.message;
  const { code, message = String(error), syscall, hostname } = (error ?? {}) as NodeJS.ErrnoException & { hostname?: string };
  if (config && syscall === 'listen') {
    const where = `port ${config.port} on ${config.host}`;
    if (code === 'EADDRINUSE') return `${where} is already in use: stop what holds it or set PORT`;
    if (code === 'EACCES') return `${where} needs privileges this process lacks: use a port above 1023 or set PORT`;
    if (code === 'EADDRNOTAVAIL') return `HOST ${config.host} is not an address of this machine: set HOST to one (or 0.0.0.0)`;
  }
  if (config && (code === 'ENOTFOUND' || code === 'EAI_AGAIN') && (syscall === 'getaddrinfo' || hostname === config.host)) {
    return `HOST ${config.host} does not resolve to an address of this machine`;
  }
  return message.split('\n')[0]!;
}

/** Prints the failure to stderr; the stack too when the log level asks for detail. */
export function reportFailure(error: unknown, config: { port: number; host: string } | null, logLevel: string | undefined): void {
  process.stderr.write(`userplane: ${describeFailure(error, config)}\n`);
  if ((logLevel === 'debug' || logLevel === 'trace') && error instanceof Error && !(error instanceof ConfigError) && !(error instanceof CommandError)) {
    process.stderr.write(`${error.stack ?? ''}\n`);
    if (error.cause instanceof Error) process.stderr.write(`caused by: ${error.cause.stack ?? error.cause.message}\n`);
  }
}
