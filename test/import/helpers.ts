/**
 * Shared by the format conformance tests (issue 15, item 2): read a fixture through a format, and send
 * its operations to a live server's POST /v1/users/batch the way the runner does (the runner itself is
 * h15-runner's; these tests speak to the API directly so that each format is checked on its own).
 */
import { join } from 'node:path';
import { TEST_ADMIN_KEY } from '../helpers/app.ts';
import type { FormatOptions, ImportFormat, ImportRecord, UnreadableRecord } from '../../src/cli/import/format.ts';
import { isUnreadable } from '../../src/cli/import/format.ts';

export const FIXTURES = join(import.meta.dirname, 'fixtures');
export const fixture = (name: string) => join(FIXTURES, name);

export async function readAll(format: ImportFormat, file: string, options: FormatOptions = {}) {
  const records: ImportRecord[] = [];
  const unreadable: UnreadableRecord[] = [];
  const all: Array<ImportRecord | UnreadableRecord> = [];
  for await (const record of format.read(file, options)) {
    all.push(record);
    if (isUnreadable(record)) unreadable.push(record);
    else records.push(record);
  }
  return { records, unreadable, all };
}

export function byExternalId(records: ImportRecord[], id: string): ImportRecord {
  const found = records.find((record) => record.operation.data.external_id === id);
  if (!found) throw new Error(`no record with external_id ${id}`);
  return found;
}

export interface BatchItem {
  index: number;
  status: number;
  user?: Record<string, unknown> & { id: string };
  error?: { error: string; message: string; details?: Record<string, string[]> };
}

export function api(base: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  /**
   * password_migration_pending is added by a parallel branch (h15-hashes). Until the server knows it,
   * it is taken out of the operations here, so that the rest of each record is still checked end to end.
   */
  let pendingKnown: boolean | undefined;
  async function knowsPending(): Promise<boolean> {
    if (pendingKnown === undefined) {
      const probe = await call('POST', '/v1/users/batch', {
        dry_run: true,
        operations: [{ op: 'create', data: { email: 'probe@example.com', password_migration_pending: true } }],
      });
      pendingKnown = probe.status === 200 && probe.body.results[0].status === 201;
    }
    return pendingKnown;
  }
  return {
    call,
    knowsPending,
    async batch(records: ImportRecord[]): Promise<{ results: BatchItem[]; summary: Record<string, number> }> {
      const strip = !(await knowsPending());
      const operations = records.map(({ operation }) => {
        if (!strip) return operation;
        const { password_migration_pending: _pending, ...data } = operation.data;
        return { ...operation, data };
      });
      const res = await call('POST', '/v1/users/batch', { operations });
      if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async verify(userId: string, password: string): Promise<boolean> {
      const res = await call('POST', `/v1/users/${userId}/password/verify`, { password });
      if (res.status !== 200) throw new Error(`verify answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.verified;
    },
  };
}
