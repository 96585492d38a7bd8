/**
 * Errors-file writers in the shapes the formats read, so that a run's failures can be fed back with
 * the same --from: a JSON array, NDJSON, CSV with the input's header, or CSV without one.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { ErrorsFileWriter } from '../format.ts';
import { csvHeader, csvLine } from './read/csv.ts';

function finished(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** `{"wrapper": [ … ]}` when a wrapper key is given (Firebase's {"users"}, Cognito's {"Users"}), else a bare array. */
export function jsonArrayFile(path: string, wrapper?: string): ErrorsFileWriter {
  const stream = createWriteStream(path);
  stream.write(wrapper ? `{"${wrapper}": [\n` : '[\n');
  let count = 0;
  return {
    write(source) {
      stream.write(`${count++ === 0 ? '' : ',\n'}${JSON.stringify(source)}`);
    },
    close() {
      stream.write(wrapper ? '\n]}\n' : '\n]\n');
      return finished(stream);
    },
  };
}

export function ndjsonFile(path: string): ErrorsFileWriter {
  const stream = createWriteStream(path);
  return {
    write(source) {
      stream.write(`${typeof source === 'string' ? source : JSON.stringify(source)}\n`);
    },
    close: () => finished(stream),
  };
}

/** CSV rows (arrays of cells); with `headerOf`, the input file's header row is written first. */
export function csvFile(path: string, headerOf?: string): ErrorsFileWriter {
  const stream = createWriteStream(path);
  const header = headerOf ? csvHeader(headerOf).then((cells) => stream.write(csvLine(cells))) : Promise.resolve();
  let ready = false;
  const waiting: unknown[] = [];
  void header.then(
    () => {
      ready = true;
      for (const row of waiting.splice(0)) stream.write(csvLine(row as unknown[]));
    },
    () => undefined,
  );
  return {
    write(source) {
      const row = Array.isArray(source) ? source : [String(source)];
      if (ready) stream.write(csvLine(row));
      else waiting.push(row);
    },
    async close() {
      await header;
      for (const row of waiting.splice(0)) stream.write(csvLine(row as unknown[]));
      await finished(stream);
    },
  };
}
