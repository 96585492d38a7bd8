/**
 * NDJSON read lazily, one record a line, gunzipped on the fly when the file is gzip (by its magic
 * bytes, whatever its name: Auth0's export job downloads as .json.gz). Blank lines are not records.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

export async function openText(file: string): Promise<Readable> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = (await isGzip(file)) ? raw.pipe(createGunzip()) : raw;
  // A gunzip error (a truncated download) must end the reading, not hang it.
  if (stream !== raw) raw.on('error', (error) => stream.destroy(error));
  stream.setEncoding('utf8');
  return stream;
}

/** The non-blank lines of the file, in order. */
export async function* nonBlankLines(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: await openText(file), crlfDelay: Infinity });
  let first = true;
  for await (let line of lines) {
    if (first) {
      first = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (line.trim() !== '') yield line;
  }
}

export async function countNonBlankLines(file: string): Promise<number> {
  let count = 0;
  for await (const _ of nonBlankLines(file)) count++;
  return count;
}

/** The first non-blank character of the (possibly gzipped) file, or undefined when it has none. */
export async function firstCharacter(file: string): Promise<string | undefined> {
  const stream = await openText(file);
  try {
    for await (const chunk of stream) {
      const text = (chunk as string).replace(/^\uFEFF/, '').trimStart();
      if (text !== '') return text[0];
    }
    return undefined;
  } finally {
    stream.destroy();
  }
}
