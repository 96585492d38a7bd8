/**
 * --from auth0-export: the NDJSON (optionally gzipped) an Auth0 export job produces, with no hashes;
 * `--passwords FILE` (Auth0 support's hash file) is joined by lower-cased e-mail. A database user
 * without a hash (no --passwords, or no match) is created without a password and marked for the
 * password migration hook; social users never had one here.
 */
import type { ImportFormat, ImportRecord, UnreadableRecord } from '../format.ts';
import { AUTH0_KNOWN, mapAuth0Profile } from './auth0-profile.ts';
import { findSupportHash, loadAuth0Passwords, type PasswordIndex } from './auth0-passwords.ts';
import { ndjsonFile } from './errors-files.ts';
import { selfDescribing } from './hashes.ts';
import { isObject, parseItem, stringOrUndefined, UserMapping, type JsonObject } from './mapping.ts';
import { countNonBlankLines, nonBlankLines } from './read/lines.ts';

const KNOWN = new Set([...AUTH0_KNOWN, 'identities']);

interface Identity {
  provider?: string;
  connection?: string;
  isSocial?: boolean;
}

function identitiesOf(user: JsonObject): Identity[] {
  return Array.isArray(user.identities) ? (user.identities.filter(isObject) as Identity[]) : [];
}

export function mapAuth0ExportUser(user: JsonObject, ordinal: number, passwords: PasswordIndex | undefined): ImportRecord | UnreadableRecord {
  const m = new UserMapping();
  const sourceId = stringOrUndefined(user.user_id);
  mapAuth0Profile(m, user);
  const identities = identitiesOf(user);
  const database = identities.filter((identity) => identity.provider === 'auth0');
  const isDatabaseUser = database.length > 0 || (identities.length === 0 && (sourceId ?? '').startsWith('auth0|'));
  if (isDatabaseUser) {
    const found = passwords ? findSupportHash(passwords, user.email, database.map((identity) => identity.connection ?? '')) : undefined;
    if (found) m.password(selfDescribing(found.hash) ?? { error: `The support file's passwordHash for this address is not bcrypt, argon2 or LDAP: ${found.hash.slice(0, 4)}…` });
    else if (passwords) m.migrationPending('no hash for this e-mail address in the --passwords file: created without a password and marked for the password migration hook');
    else m.migrationPending('no --passwords file: created without a password and marked for the password migration hook');
  }
  // Identities are linked accounts at other providers; the batch API does not take them.
  identities.forEach((identity, i) => {
    if (identity.provider !== 'auth0') m.unmap(`identities[${i}] (${identity.provider ?? 'unknown'})`);
  });
  m.externalId(sourceId, 'user_id');
  m.unmapRest(user, KNOWN);
  return m.toRecord(ordinal, sourceId ?? stringOrUndefined(user.email), user);
}

export const auth0ExportFormat: ImportFormat = {
  name: 'auth0-export',
  description: "Auth0's export job output (NDJSON, .gz or not), joined by e-mail with --passwords (Auth0 support's hash file)",
  async *read(file, options) {
    const passwords = options.passwords ? await loadAuth0Passwords(options.passwords) : undefined;
    let ordinal = 0;
    for await (const line of nonBlankLines(file)) {
      const parsed = parseItem(line);
      if ('reason' in parsed) yield { ordinal, reason: parsed.reason, source: line };
      else yield mapAuth0ExportUser(parsed.value, ordinal, passwords);
      ordinal++;
    }
  },
  count: (file) => countNonBlankLines(file),
  // The export itself holds no hash: the hashes stay in the --passwords file.
  redact: (source) => source,
  errorsFile: (path) => ndjsonFile(path),
};
