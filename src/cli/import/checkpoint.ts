/**
 * The import's checkpoint, a small JSON file beside the input: which source file and format it is
 * about, the ordinal below which every record is settled (answered, and its failure journaled),
 * and the counts so far. Written by rename, so a kill -9 leaves the old or the new one, never half.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface Counts {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export interface Checkpoint {
  version: 1;
  file: string;
  from: string;
  /** Size and modification time of the input when the import began: a changed file cannot be resumed. */
  size: number;
  mtimeMs: number;
  errors: string;
  /** Every record with a smaller ordinal is settled. */
  settled: number;
  counts: Counts;
  started_at: string;
  updated_at: string;
}

/** `<dir>/.<name>.userplane-import` beside the input. */
export function checkpointPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.userplane-import.json`);
}

/** Where failed records are journaled until the errors file is written (beside the checkpoint). */
export function journalPathFor(checkpointPath: string): string {
  return checkpointPath.replace(/\.json$/, '.failures.ndjson');
}

export function readCheckpoint(path: string): Checkpoint | null {
  if (!existsSync(path)) return null;
  const value = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  if (value.version !== 1 || typeof value.settled !== 'number') throw new Error(`${path} is no checkpoint this version of userplane wrote`);
  return value;
}

export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(checkpoint, null, 2));
  renameSync(temporary, path);
}

export function removeCheckpoint(path: string): void {
  rmSync(path, { force: true });
  rmSync(journalPathFor(path), { force: true });
}

/** The input's identity for the checkpoint. */
export function fileStamp(file: string): { size: number; mtimeMs: number } {
  const stat = statSync(file);
  return { size: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) };
}
