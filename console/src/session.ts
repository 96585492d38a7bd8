/**
 * The signed-in key lives in sessionStorage only: gone when the tab closes, never in a cookie
 * (so it is never sent unasked), never in the URL (so it is never in history, logs or referrers).
 */
const STORAGE_KEY = 'userplane.console.key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage disabled: the key then lasts until the page reloads.
  }
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}

/** sk_test_abcd…wxyz: enough to tell keys apart, not enough to use one. */
export function keyPreview(key: string): string {
  const prefix = /^(sk|pk)_(live|test)_/.exec(key)?.[0] ?? '';
  return `${prefix}…${key.slice(-4)}`;
}
