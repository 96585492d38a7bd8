/**
 * The password-hash file Auth0 support hands out on request (MongoDB-style records: `email`,
 * `passwordHash` bcrypt, `connection`, `_id.$oid`), as a JSON array or NDJSON, loaded into a map by
 * lower-cased e-mail for the export's join. Only e-mail, connection and hash are kept: about 150
 * bytes a user, the one part of an import that is held in memory.
 */
import { parseItem } from './mapping.ts';
import { firstCharacter, nonBlankLines } from './read/lines.ts';
import { jsonItems } from './read/json-items.ts';

export interface SupportHash {
  connection?: string;
  hash: string;
}

export type PasswordIndex = Map<string, SupportHash[]>;

export async function loadAuth0Passwords(file: string): Promise<PasswordIndex> {
  const index: PasswordIndex = new Map();
  const texts = (await firstCharacter(file)) === '[' ? mapItems(jsonItems(file)) : nonBlankLines(file);
  let line = 0;
  for await (const text of texts) {
    line++;
    const parsed = parseItem(text);
    if ('reason' in parsed) throw new Error(`--passwords ${file}, record ${line}: ${parsed.reason}`);
    const { email, passwordHash, connection } = parsed.value;
    if (typeof email !== 'string' || typeof passwordHash !== 'string' || passwordHash === '') continue;
    const key = email.trim().toLowerCase();
    const entry: SupportHash = { hash: passwordHash, connection: typeof connection === 'string' ? connection : undefined };
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  }
  return index;
}

async function* mapItems(items: ReturnType<typeof jsonItems>): AsyncGenerator<string> {
  for await (const item of items) yield item.text;
}

/**
 * The hash for a user of the export: the one of the user's database connection when the file has
 * several for that address, else the only one. Undefined when none (or none that can be told apart).
 */
export function findSupportHash(index: PasswordIndex, email: unknown, connections: string[]): SupportHash | undefined {
  if (typeof email !== 'string') return undefined;
  const list = index.get(email.trim().toLowerCase());
  if (!list || list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return list.find((entry) => entry.connection !== undefined && connections.includes(entry.connection));
}

