/**
 * Failed records: journaled as they are answered (one NDJSON line each, with the redacted source
 * record and the reason), then, when the import ends, written out as the errors file in the
 * source's own format (feedable to the same --from as is) and a reasons file beside it, both in
 * source order. The journal survives a kill: on --resume the lines of records that will be sent
 * again are dropped first, so neither file ever holds a record twice.
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import type { ImportFormat } from './format.ts';

export interface FailureLine {
  ordinal: number;
  source_id?: string;
  /** The HTTP status of the operation (0: never sent, the format could not read the record). */
  status: number;
  error: string;
  message: string;
  details?: Record<string, string[]>;
  /** The source record, hashes redacted. */
  record: unknown;
}

export class FailureJournal {
  private fd: number;

  /** Opens the journal; `keepBelow` keeps only the lines of records settled before a resume (null: start empty). */
  constructor(
    private readonly path: string,
    keepBelow: number | null,
  ) {
    if (keepBelow === null || !existsSync(path)) writeFileSync(path, '');
    else {
      const kept = readLines(path).filter((line) => line.ordinal < keepBelow);
      writeFileSync(`${path}.tmp`, kept.map((line) => `${JSON.stringify(line)}\n`).join(''));
      renameSync(`${path}.tmp`, path);
    }
    this.fd = openSync(path, 'a');
  }

  /** Appends and syncs the lines of one settled batch: they are on disk before the checkpoint passes them. */
  append(lines: FailureLine[]): void {
    if (lines.length === 0) return;
    writeSync(this.fd, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }

  /**
   * Writes the errors file (records in the source format) and `<errors>.reasons.ndjson` (one line
   * per record, in the same order: `record` is its 1-based position in the errors file). Returns
   * how many records failed.
   */
  async publish(format: ImportFormat, inputFile: string, errorsPath: string, reasonsPath: string): Promise<number> {
    const byOrdinal = new Map<number, FailureLine>();
    for (const line of readLines(this.path)) byOrdinal.set(line.ordinal, line);
    const lines = [...byOrdinal.values()].sort((a, b) => a.ordinal - b.ordinal);
    if (lines.length === 0) return 0;
    const writer = format.errorsFile(errorsPath, inputFile);
    const reasons: string[] = [];
    for (const [position, line] of lines.entries()) {
      writer.write(line.record);
      const { record: _record, ...reason } = line;
      reasons.push(JSON.stringify({ record: position + 1, ...reason }));
    }
    await writer.close();
    writeFileSync(reasonsPath, `${reasons.join('\n')}\n`);
    return lines.length;
  }
}

function readLines(path: string): FailureLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as FailureLine];
      } catch {
        // A line cut by a kill mid-write: its batch was not checkpointed, so it is sent again.
        return [];
      }
    });
}
