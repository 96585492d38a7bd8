/**
 * `userplane import FILE --from <format>` and `userplane export`: the command-line side (options,
 * Ctrl-C, the summary line, exit status). Exit 0: everything imported; 1: some records failed or
 * the import stopped (the summary says where and how to go on); 2: a usage error.
 */
import { readClientSettings } from '../../config.ts';
import { ImportAbort } from './client.ts';
import { FORMATS } from './formats/index.ts';
import { terminalProgress } from './progress.ts';
import { ImportUsageError, runImport, type ImportSummary } from './runner.ts';

export const USAGE = 2;

export interface ImportFlags {
  from: string;
  url?: string;
  key?: string;
  passwords?: string;
  hashConfig?: string;
  dryRun?: boolean;
  resume?: boolean;
  errors?: string;
  batchSize?: string;
  concurrency?: string;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

/** The one line printed at the end (the only output when stdout is no terminal). */
export function summaryLine(file: string, from: string, s: ImportSummary): string {
  const settled = s.created + s.updated + s.unchanged + s.failed;
  const verb = s.dryRun ? 'dry run of' : s.interrupted ? 'interrupted import of' : 'imported';
  const would = s.dryRun ? 'would be ' : '';
  const parts = [
    `${verb} ${file} (--from ${from}): ${plural(settled, 'record')} of ${s.total.toLocaleString('en')}`,
    `${s.created} ${would}created, ${s.updated} ${would}updated, ${s.unchanged} unchanged, ${s.failed} failed`,
  ];
  if (s.resumedAt > 0) parts.push(`resumed after record ${s.resumedAt}`);
  const rate = s.seconds > 0 ? Math.round((settled - s.resumedAt) / s.seconds) : 0;
  parts.push(`${s.seconds.toFixed(1)} s, ${rate.toLocaleString('en')} records/s`);
  let line = parts.join('; ');
  if (s.errorsPath) line += `\nfailed records: ${s.errorsPath} (feed it back with the same --from), reasons: ${s.reasonsPath}`;
  if (s.checkpointPath) line += `\ncheckpoint: ${s.checkpointPath}; run the same command with --resume to continue`;
  const top = (map: Map<string, number>, title: string) => {
    if (map.size === 0) return;
    const entries = [...map].sort((a, b) => b[1] - a[1]);
    const shown = entries.slice(0, 20).map(([key, n]) => `${key} (${plural(n, 'record')})`);
    line += `\n${title}: ${shown.join(', ')}${entries.length > 20 ? `, and ${entries.length - 20} more` : ''}`;
  };
  top(s.unmapped, 'not carried over');
  top(s.notes, 'notes');
  return line;
}

function wholeNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new ImportUsageError(`${flag} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

export async function importCommand(file: string, flags: ImportFlags): Promise<number> {
  const format = FORMATS[flags.from];
  try {
    if (!format) throw new ImportUsageError(`--from ${flags.from} is no format; use one of ${Object.keys(FORMATS).join(', ')}`);
    const { url, key } = readClientSettings(process.env, flags);
    if (!key) throw new ImportUsageError('No API key: pass --key or set USERPLANE_KEY (a secret key with the write scope)');
    const controller = new AbortController();
    let interrupts = 0;
    const onInterrupt = () => {
      // The first Ctrl-C lets the batches in flight settle and the checkpoint catch up; a second one leaves at once
      // (the checkpoint on disk is consistent at every moment, so --resume works either way).
      if (++interrupts > 1) process.exit(130);
      process.stderr.write('\nstopping: letting the batches in flight finish (Ctrl-C again to leave now)\n');
      controller.abort();
    };
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
    try {
      const summary = await runImport({
        file,
        format,
        formatOptions: { passwords: flags.passwords, hashConfig: flags.hashConfig },
        url,
        key,
        dryRun: flags.dryRun === true,
        resume: flags.resume === true,
        errors: flags.errors,
        batchSize: wholeNumber(flags.batchSize, '--batch-size'),
        concurrency: wholeNumber(flags.concurrency, '--concurrency'),
        progress: terminalProgress(process.stdout, 'records'),
        signal: controller.signal,
      });
      process.stdout.write(`${summaryLine(file, format.name, summary)}\n`);
      if (summary.interrupted) return 130;
      return summary.failed > 0 ? 1 : 0;
    } finally {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
    }
  } catch (error) {
    if (error instanceof ImportUsageError) {
      process.stderr.write(`userplane import: ${error.message}\n`);
      return USAGE;
    }
    if (error instanceof ImportAbort) {
      process.stderr.write(`userplane import stopped: ${error.message}\n`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`userplane import: ${(error as Error).message}\n`);
      return USAGE;
    }
    throw error;
  }
}
