/**
 * CSV read lazily with csv-parse (quoted cells, line breaks inside quotes, a UTF-8 BOM), one array of
 * cells a record; and written back, quoted only where needed, for the errors file.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

/** The records of the file as arrays of cells, in order; blank lines are skipped. */
export async function* csvRows(file: string): AsyncGenerator<string[]> {
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true }),
  );
  for await (const row of parser) yield row as string[];
}

export async function countCsvRows(file: string): Promise<number> {
  let count = 0;
  for await (const _ of csvRows(file)) count++;
  return count;
}

/** The header row of a CSV file, or [] when the file is empty. */
export async function csvHeader(file: string): Promise<string[]> {
  for await (const row of csvRows(file)) return row;
  return [];
}

/** One CSV line: a cell is quoted when it holds a comma, quote, line break or edge space. */
export function csvLine(cells: readonly unknown[]): string {
  return `${cells
    .map((cell) => {
      const text = cell === null || cell === undefined ? '' : String(cell);
      return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',')}\n`;
}
