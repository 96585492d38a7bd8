/**
 * One dedicated PostgreSQL connection per process that LISTENs on a channel (issue 19: the
 * webhook endpoints' changes). Whenever it (re)connects, notifications may have been missed
 * meanwhile, so `onReset` runs; it reconnects by itself, with backoff, until closed. Behind a
 * pooler in transaction mode LISTEN hears nothing: what it serves must stay correct without it.
 */
import pg from 'pg';

export interface ListenHandlers {
  onNotify(): void;
  /** Connected (again), or lost: whatever was learnt from notifications may be out of date. */
  onReset(): void;
}

export interface Listener {
  close(): Promise<void>;
}

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

export function startListener(config: pg.ClientConfig, channel: string, handlers: ListenHandlers): Listener {
  let closed = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let delay = RETRY_FIRST_MS;

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    // A process must be able to exit while this waits.
    timer.unref();
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  };

  const connect = async () => {
    const current = new pg.Client(config);
    client = current;
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      handlers.onReset();
      current.end().catch(() => {});
      if (client === current) client = null;
      retry();
    };
    current.on('error', onLost);
    current.on('end', onLost);
    current.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify();
    });
    try {
      await current.connect();
      // The socket must not keep the process alive on its own (a CLI command, a test).
      (current as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      await current.query(`listen ${pg.escapeIdentifier(channel)}`);
      if (closed) return void current.end().catch(() => {});
      delay = RETRY_FIRST_MS;
      handlers.onReset();
    } catch {
      onLost();
    }
  };

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
