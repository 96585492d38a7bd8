/**
 * CSV read lazily with csv-parse (quoted cells, line breaks inside quotes, a UTF-8 BOM), one array of
 * cells a record; and written back, quoted only where needed, for the errors file.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

/** The records of the file as arrays of cells, in order; blank lines are skipped. */
export async function* csvRows(file: string): AsyncGenerator<string[]> {
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(
    // relax_quotes: Clerk's dashboard export writes JSON cells without quoting them.
    parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }),
  );
  for await (const row of parser) yield rejoinJsonCells(row as string[]);
}

/**
 * Cells that an unquoted JSON value with commas was split into ('{"a":1', '"b":2}'), joined back:
 * a cell opening more brackets than it closes takes the following cells until they balance.
 */
export function rejoinJsonCells(row: string[]): string[] {
  if (!row.some((cell) => cell.startsWith('{') || cell.startsWith('['))) return row;
  const out: string[] = [];
  for (let i = 0; i < row.length; i++) {
    let cell = row[i]!;
    if (cell.startsWith('{') || cell.startsWith('[')) {
      let depth = bracketBalance(cell);
      while (depth > 0 && i + 1 < row.length) {
        cell += `,${row[++i]}`;
        depth = bracketBalance(cell);
      }
    }
    out.push(cell);
  }
  return out;
}

/** Opening minus closing brackets outside JSON strings. */
function bracketBalance(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return depth;
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

/**
 * The header each data row was read under, so that redact() (which gets only the row) can find the
 * hash column by name. Rows the reader did not hand out fall back on the format's usual columns.
 */
const HEADERS = new WeakMap<object, readonly string[]>();

export function withHeader(row: string[], header: readonly string[]): string[] {
  HEADERS.set(row, header);
  return row;
}

export function headerOf(row: object): readonly string[] | undefined {
  return HEADERS.get(row);
}

/** The row with the cells of these columns replaced by `mask` where they hold something. */
export function maskColumns(row: readonly unknown[], header: readonly string[], columns: readonly string[], mask: string): unknown[] {
  const indexes = new Set(columns.map((name) => header.indexOf(name)).filter((i) => i >= 0));
  return row.map((cell, i) => (indexes.has(i) && typeof cell === 'string' && cell.trim() !== '' ? mask : cell));
}
