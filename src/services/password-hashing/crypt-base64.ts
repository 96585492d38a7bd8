/** crypt(3)'s base64 ("./0-9A-Za-z", least significant 6 bits first), shared by md5-crypt and SHA-crypt. */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Encodes `digest` taking bytes three at a time in `order` (first byte most significant; -1 is a
 * zero byte), each group as 4 characters; a last group with zero bytes yields fewer characters.
 */
export function cryptBase64(digest: Buffer, order: number[]): string {
  let out = '';
  for (let i = 0; i < order.length; i += 3) {
    const byte = (k: number) => {
      const index = order[i + k] ?? -1;
      return index < 0 ? 0 : (digest[index] ?? 0);
    };
    let w = (byte(0) << 16) | (byte(1) << 8) | byte(2);
    // A tail group padded with leading zero bytes only needs enough characters for its real bits.
    const realBytes = [0, 1, 2].filter((k) => (order[i + k] ?? -1) >= 0).length;
    const chars = realBytes === 3 ? 4 : realBytes + 1;
    for (let n = 0; n < chars; n += 1) {
      out += CRYPT_ALPHABET[w & 0x3f];
      w >>= 6;
    }
  }
  return out;
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
