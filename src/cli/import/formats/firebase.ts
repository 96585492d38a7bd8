/**
 * --from firebase: `firebase auth:export` as JSON ({"users": […]}) or as CSV (no header, 28 values
 * and a trailing comma), with `--hash-config FILE`: the project's scrypt parameters as the console
 * shows them (JSON, or the console's own `hash_config { key: value, … }` text). Each user's
 * passwordHash and salt plus those parameters make a firebase-scrypt hash.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ImportFormat, ImportRecord, UnreadableRecord } from '../format.ts';
import { csvFile, jsonArrayFile } from './errors-files.ts';
import { firebaseScryptHash } from './hashes.ts';
import { isObject, normalizePhone, parseItem, present, REDACTED, stringOrUndefined, UserMapping, type JsonObject } from './mapping.ts';
import { countCsvRows, csvRows } from './read/csv.ts';
import { countJsonItems, jsonItems } from './read/json-items.ts';
import { firstCharacter } from './read/lines.ts';

export interface FirebaseHashConfig {
  signerKey: string;
  saltSeparator: string;
  rounds: number;
  memCost: number;
}

/** The hash parameters from JSON or from the console's `hash_config { … }` text. */
export function parseHashConfig(text: string, file = '--hash-config'): FirebaseHashConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    raw = Object.fromEntries([...text.matchAll(/([A-Za-z0-9_]+)\s*:\s*([^,\n}]+)/g)].map((m) => [m[1]!, m[2]!.trim().replace(/^"|"$/g, '')]));
  }
  const algorithm = String(raw.algorithm ?? 'SCRYPT').toUpperCase();
  if (algorithm !== 'SCRYPT') throw new Error(`${file}: algorithm ${algorithm}: Firebase exports scrypt hashes; only SCRYPT parameters apply`);
  const config = {
    signerKey: String(raw.base64_signer_key ?? ''),
    saltSeparator: String(raw.base64_salt_separator ?? ''),
    rounds: Number(raw.rounds),
    memCost: Number(raw.mem_cost),
  };
  if (!config.signerKey || !Number.isInteger(config.rounds) || !Number.isInteger(config.memCost)) {
    throw new Error(`${file} must hold base64_signer_key, base64_salt_separator, rounds and mem_cost (Authentication → Users → ⋮ → Password hash parameters)`);
  }
  return config;
}

/** CSV columns of `firebase auth:export --format=csv`, in order; the four providers have id, email, name, photo each. */
const PROVIDERS = ['google.com', 'facebook.com', 'twitter.com', 'github.com'];
const CSV_COLUMNS = 28;

/** A CSV row as the JSON export's user object, so that both map alike. */
export function csvUser(row: string[]): JsonObject {
  const cell = (i: number) => (row[i] ?? '').trim();
  const providerUserInfo = PROVIDERS.map((providerId, p) => ({ providerId, rawId: cell(7 + p * 4), email: cell(8 + p * 4), displayName: cell(9 + p * 4), photoUrl: cell(10 + p * 4) })).filter(
    (info) => info.rawId !== '',
  );
  const user: JsonObject = {
    localId: cell(0),
    email: cell(1),
    emailVerified: cell(2) === 'true',
    passwordHash: cell(3),
    salt: cell(4),
    displayName: cell(5),
    photoUrl: cell(6),
    providerUserInfo,
    createdAt: cell(23),
    lastSignedInAt: cell(24),
    phoneNumber: cell(25),
    disabled: cell(26) === 'true',
    customAttributes: cell(27),
  };
  return user;
}

const KNOWN = new Set(['localId', 'email', 'emailVerified', 'passwordHash', 'salt', 'displayName', 'photoUrl', 'phoneNumber', 'disabled', 'lastSignedInAt', 'customAttributes', 'providerUserInfo']);

export function mapFirebaseUser(user: JsonObject, ordinal: number, config: FirebaseHashConfig | undefined, source: unknown = user): ImportRecord | UnreadableRecord {
  const m = new UserMapping();
  const sourceId = stringOrUndefined(user.localId);
  m.text('email', user.email);
  if (present(user.email)) m.boolean('email_verified', user.emailVerified);
  m.text('name', user.displayName);
  m.text('avatar_url', user.photoUrl);
  m.text('phone', user.phoneNumber, normalizePhone);
  // auth:export leaves `disabled` out when it is false.
  m.data.active = user.disabled !== true && user.disabled !== 'true';
  m.time('last_seen_at', user.lastSignedInAt, 'lastSignedInAt');
  if (present(user.customAttributes)) {
    // customAttributes is the user's custom claims as a JSON string.
    try {
      const claims = typeof user.customAttributes === 'string' ? JSON.parse(user.customAttributes) : user.customAttributes;
      if (isObject(claims)) m.meta('custom_attributes', claims);
      else m.unmap('customAttributes');
    } catch {
      m.unmap('customAttributes');
    }
  }
  if (Array.isArray(user.providerUserInfo)) {
    user.providerUserInfo.forEach((info, i) => {
      const provider = isObject(info) ? String(info.providerId ?? 'unknown') : 'unknown';
      if (provider !== 'password') m.unmap(`providerUserInfo[${i}] (${provider})`);
    });
  }
  if (user.passwordHash === REDACTED) {
    m.migrationPending('password hash was redacted (a record from an errors file): imported without it and marked for the password migration hook');
  } else if (present(user.passwordHash)) {
    if (config) {
      m.password(firebaseScryptHash({ hash: String(user.passwordHash), salt: String(user.salt ?? ''), signerKey: config.signerKey, saltSeparator: config.saltSeparator, rounds: config.rounds, memCost: config.memCost }));
    } else {
      m.migrationPending('no --hash-config: the password hash cannot be used without the project\'s parameters; created without a password and marked for the password migration hook');
    }
  }
  m.externalId(sourceId, 'localId');
  m.unmapRest(user, KNOWN);
  return m.toRecord(ordinal, sourceId, source);
}

async function isCsv(file: string): Promise<boolean> {
  const first = await firstCharacter(file);
  return first !== '{' && first !== '[';
}

function isCsvSync(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const read = readSync(fd, buffer, 0, 256, 0);
    const first = buffer.subarray(0, read).toString('utf8').replace(/^\uFEFF/, '').trimStart()[0];
    return first !== '{' && first !== '[';
  } finally {
    closeSync(fd);
  }
}

const JSON_SCAN = { keys: ['users'] };

export const firebaseFormat: ImportFormat = {
  name: 'firebase',
  description: '`firebase auth:export` JSON or CSV, with --hash-config (the project\'s scrypt parameters)',
  async *read(file, options) {
    const config = options.hashConfig ? parseHashConfig(await readFile(options.hashConfig, 'utf8'), options.hashConfig) : undefined;
    let ordinal = 0;
    if (await isCsv(file)) {
      for await (const row of csvRows(file)) {
        if (row.length < CSV_COLUMNS) yield { ordinal, sourceId: row[0], reason: `Has ${row.length} values; a Firebase CSV line has ${CSV_COLUMNS} values (and a trailing comma)`, source: row };
        else yield mapFirebaseUser(csvUser(row), ordinal, config, row);
        ordinal++;
      }
      return;
    }
    for await (const item of jsonItems(file, JSON_SCAN)) {
      const parsed = parseItem(item.text, item.kind === 'item' && item.truncated === true);
      if ('reason' in parsed) yield { ordinal, reason: parsed.reason, source: item.text };
      else yield mapFirebaseUser(parsed.value, ordinal, config);
      ordinal++;
    }
  },
  async count(file) {
    return (await isCsv(file)) ? countCsvRows(file) : countJsonItems(file, JSON_SCAN);
  },
  redact(source) {
    if (Array.isArray(source)) return source.map((cell, i) => ((i === 3 || i === 4) && present(cell) ? REDACTED : cell));
    if (!isObject(source)) return source;
    const copy = structuredClone(source);
    for (const key of ['passwordHash', 'salt']) if (present(copy[key])) copy[key] = REDACTED;
    return copy;
  },
  errorsFile: (path, inputFile) => (isCsvSync(inputFile) ? csvFile(path) : jsonArrayFile(path, 'users')),
};
