/**
 * The seam between `userplane import`'s source formats (one module each under ./formats/) and the
 * runner that sends their records to POST /v1/users/batch with a progress bar, a checkpoint and an
 * errors file (issue 15, items 2 and 3).
 *
 * A format only reads and maps: it never talks to the server. The runner only sends and records: it
 * never looks inside a source record.
 */

/** What the command line hands every format. */
export interface FormatOptions {
  /** `--passwords FILE` (auth0-export): Auth0 support's password-hash file, JSON array or NDJSON. */
  passwords?: string;
  /** `--hash-config FILE` (firebase): the project's hash parameters as the Firebase console shows them. */
  hashConfig?: string;
}

/** One user of the source, mapped. */
export interface ImportRecord {
  /**
   * Where the record is in the source: its 0-based ordinal among the records the format yields. The
   * checkpoint stores the highest ordinal below which every record is settled, so a format must yield
   * the same records in the same order every time it reads the same file.
   */
  ordinal: number;
  /** The source's own id of the user (for messages and the errors file's reasons), when it has one. */
  sourceId?: string;
  /**
   * The batch operation to send: an upsert on external_id, so that importing the same file twice
   * changes nothing. `data` takes every field of the canonical create, plus password_hash and
   * password_hash_type, plus password_migration_pending (users whose hash cannot be had).
   */
  operation: { op: 'upsert'; match: 'external_id'; data: Record<string, unknown> };
  /** Source fields that have no canonical home and were not carried over ("identities[1].profileData"…). */
  unmapped: string[];
  /** Anything the user should know about this record that is not a failure ("no password hash: marked for the migration hook"). */
  notes: string[];
  /**
   * The record exactly as the source has it (an object for JSON/NDJSON sources, the array of cells
   * for CSV ones), so that a failed record can be written back to the errors file in the source's
   * own format. Password hashes in it are redacted by `redact` before anything writes it out.
   */
  source: unknown;
}

/** A record the format could not map at all (bad JSON line, missing id and email…): a failure with a reason. */
export interface UnreadableRecord {
  ordinal: number;
  sourceId?: string;
  reason: string;
  source: unknown;
}

/** Writes failed records back in the source's own format, so that the errors file can be fed to the same `--from`. */
export interface ErrorsFileWriter {
  /** Appends one record (already redacted). */
  write(source: unknown): void;
  /** Finishes the file (closing bracket of a JSON array…) and flushes it. */
  close(): Promise<void>;
}

export interface ImportFormat {
  /** The `--from` name: auth0, auth0-export, firebase, clerk, supabase, cognito, kratos, userplane. */
  name: string;
  /** One line for --help. */
  description: string;
  /** Reads the file lazily, in source order: memory stays flat for a million users. */
  read(file: string, options: FormatOptions): AsyncIterable<ImportRecord | UnreadableRecord>;
  /** How many records the file holds, for the progress bar's total (may read the file once more). */
  count(file: string, options: FormatOptions): Promise<number>;
  /** The source record with every password hash (and salt, key) replaced by "[redacted]". */
  redact(source: unknown): unknown;
  /** An errors-file writer for this format, creating or truncating `path`. */
  errorsFile(path: string, inputFile: string): ErrorsFileWriter;
}

export function isUnreadable(record: ImportRecord | UnreadableRecord): record is UnreadableRecord {
  return 'reason' in record;
}
