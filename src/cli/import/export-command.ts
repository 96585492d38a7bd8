/**
 * `userplane export [--include-password-hashes] [--out FILE]`: GET /v1/users/export to a file (or
 * stdout), with the import's progress bar. The file is written as FILE.partial and renamed only
 * once the server's trailer line arrived, so a FILE that exists is a complete export.
 */
import { createWriteStream, renameSync } from 'node:fs';
import { once } from 'node:events';
import { readClientSettings } from '../../config.ts';
import { terminalProgress } from './progress.ts';
import { USAGE } from './command.ts';

export interface ExportFlags {
  url?: string;
  key?: string;
  out?: string;
  includePasswordHashes?: boolean;
}

export async function exportCommand(flags: ExportFlags): Promise<number> {
  const { url, key } = readClientSettings(process.env, flags);
  if (!key) {
    process.stderr.write('userplane export: no API key: pass --key or set USERPLANE_KEY (a secret key with the admin scope)\n');
    return USAGE;
  }
  const endpoint = new URL('/v1/users/export', url);
  if (flags.includePasswordHashes) endpoint.searchParams.set('include_password_hashes', 'true');
  const started = Date.now();
  let response: Response;
  try {
    response = await fetch(endpoint, { headers: { authorization: `Bearer ${key}` } });
  } catch (error) {
    process.stderr.write(`userplane export: no answer from ${url}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}\n`);
    return 1;
  }
  if (response.status !== 200 || !response.body) {
    process.stderr.write(`userplane export: ${endpoint.origin}${endpoint.pathname} answered ${response.status}: ${(await response.text()).slice(0, 500)}\n`);
    return 1;
  }
  const partial = flags.out ? `${flags.out}.partial` : null;
  const out = partial ? createWriteStream(partial) : process.stdout;
  // The data may be on stdout: the bar then goes to stderr.
  const progress = terminalProgress(partial ? process.stdout : process.stderr, 'users', false);
  progress.start(0, 0);
  let users = 0;
  let tail = '';
  let lastComplete = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    const text = decoder.decode(chunk as Uint8Array, { stream: true });
    const lines = (tail + text).split('\n');
    tail = lines.pop()!;
    users += lines.length;
    if (lines.length > 0) lastComplete = lines.at(-1)!;
    if (!out.write(text)) await once(out, 'drain');
    progress.update(users, 0);
  }
  progress.stop();
  // The last complete line is the trailer; every other line is a user.
  const complete = tail.trim() === '' && /^\{"object":"export",/.test(lastComplete);
  if (partial) {
    out.end();
    await once(out, 'finish');
  }
  const seconds = (Date.now() - started) / 1000;
  if (!complete) {
    process.stderr.write(`userplane export: the export was cut after ${users} lines (no trailer line)${partial ? `; what arrived is in ${partial}` : ''}\n`);
    return 1;
  }
  users -= 1;
  if (partial) renameSync(partial, flags.out!);
  const where = flags.out ?? 'stdout';
  const summary = `exported ${users.toLocaleString('en')} users${flags.includePasswordHashes ? ' with password hashes' : ''} to ${where} in ${seconds.toFixed(1)} s\n`;
  // With the data on stdout, the summary must not land inside it.
  (partial ? process.stdout : process.stderr).write(summary);
  return 0;
}
