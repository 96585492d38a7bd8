/**
 * What the store has seen of its storage: a write that failed for lack of space (SQLITE_FULL,
 * PostgreSQL's disk_full 53100) makes the store not ready until a write succeeds or FULL_FOR_MS
 * pass without another such failure (so a freed disk is noticed even while no traffic arrives).
 */
export const FULL_FOR_MS = 30_000;
const FULL_CODES = /^(SQLITE_FULL|53100)$/;

export interface StorageHealth {
  /** Records the outcome of a write transaction. */
  wrote(error?: unknown): void;
  /** The last out-of-space failure while it still counts; null when writes are going through. */
  fullFailure(now?: number): Error | null;
}

function codeOf(error: unknown, depth = 0): string | null {
  if (typeof error !== 'object' || error === null || depth > 3) return null;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (typeof code === 'string' && FULL_CODES.test(code)) return code;
  return codeOf(cause, depth + 1);
}

export function createStorageHealth(): StorageHealth {
  let full: { error: Error; at: number } | null = null;
  return {
    wrote(error) {
      if (error === undefined) {
        full = null;
        return;
      }
      const code = codeOf(error);
      if (code) {
        const failure = Object.assign(new Error(`the last write failed: storage is full (${code}: ${(error as Error).message})`, { cause: error }), { code: 'USERPLANE_STORAGE_FULL' });
        full = { error: failure, at: Date.now() };
      }
    },
    fullFailure(now = Date.now()) {
      return full && now - full.at < FULL_FOR_MS ? full.error : null;
    },
  };
}
