/** Userplane export files written by tests (the `userplane` import format), in a temporary folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'userplane-import-'));
}

/** One export line as GET /v1/users/export writes it (the fields the import reads). */
export function exportLine(fields: Record<string, unknown>): Record<string, unknown> {
  return { object: 'user', metadata: {}, identities: [], ...fields };
}

/** Writes the lines and the trailer; returns the path. */
export function writeExport(dir: string, name: string, lines: Array<Record<string, unknown> | string>): string {
  const path = join(dir, name);
  const body = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
  writeFileSync(path, `${body}\n${JSON.stringify({ object: 'export', users: lines.length, password_hashes: false })}\n`);
  return path;
}

/** `count` users with external ids `<prefix>-<i>` and matching emails. */
export function users(prefix: string, count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) =>
    exportLine({ id: `usr_src_${prefix}_${i}`, external_id: `${prefix}-${i}`, email: `${prefix}-${i}@example.com`, first_name: `User ${i}` }),
  );
}
