/**
 * --from cognito: users of an AWS Cognito user pool as ListUsers returns them: the AWS CLI's
 * `{"Users": [{Username, Attributes: [{Name, Value}], Enabled, UserStatus, …}]}`, or one user per
 * file (`{username, userStatus, enabled, attributes: {…}}`), or a folder of such files. Cognito never
 * exports password hashes: users who signed in with a password are created without one and marked for
 * the password migration hook (or a reset); federated users never had one here.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImportFormat, ImportRecord, UnreadableRecord } from '../format.ts';
import { jsonArrayFile } from './errors-files.ts';
import { isObject, normalizeLocale, normalizePhone, parseItem, present, stringOrUndefined, UserMapping, type JsonObject } from './mapping.ts';
import { countJsonItems, jsonItems, type JsonItemsOptions } from './read/json-items.ts';

/** Attributes with a canonical home (or read for the id); any other is reported. */
const MAPPED_ATTRIBUTES = new Set([
  'sub', 'email', 'email_verified', 'given_name', 'family_name', 'name', 'phone_number', 'locale', 'picture', 'preferred_username', 'birthdate',
]);
const USERNAME = /^[A-Za-z0-9._-]{3,64}$/;

/** Name/Value pairs (the API's shape) or an object (the samples') as one object of strings. */
function attributesOf(value: unknown): JsonObject {
  if (Array.isArray(value)) {
    return Object.fromEntries(value.filter(isObject).map((pair) => [String(pair.Name ?? pair.name ?? ''), pair.Value ?? pair.value]));
  }
  return isObject(value) ? value : {};
}

export function mapCognitoUser(user: JsonObject, ordinal: number): ImportRecord | UnreadableRecord {
  const m = new UserMapping();
  const attributes = attributesOf(user.Attributes ?? user.attributes);
  const username = stringOrUndefined(user.Username ?? user.username);
  const status = String(user.UserStatus ?? user.userStatus ?? '');
  const enabled = user.Enabled ?? user.enabled;
  const sub = stringOrUndefined(attributes.sub);

  m.text('email', attributes.email);
  if (present(attributes.email)) m.boolean('email_verified', attributes.email_verified ?? false);
  m.text('first_name', attributes.given_name);
  m.text('last_name', attributes.family_name);
  m.text('name', attributes.name);
  m.text('phone', attributes.phone_number, normalizePhone);
  m.text('locale', attributes.locale, normalizeLocale);
  m.text('avatar_url', attributes.picture);
  if (typeof attributes.birthdate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(attributes.birthdate)) m.data.birthday = attributes.birthdate;
  else if (present(attributes.birthdate)) m.unmap('attributes.birthdate');
  m.data.active = enabled !== false && enabled !== 'false';

  // The Cognito username is a sign-in name only for native users, and only when it is not just the sub, e-mail or phone again.
  const federated = status === 'EXTERNAL_PROVIDER';
  const repeats = [sub, attributes.email, attributes.phone_number].includes(username);
  if (present(attributes.preferred_username)) {
    m.text('username', attributes.preferred_username);
    if (username && !repeats) m.unmap('username');
  } else if (username && !repeats) {
    if (!federated && USERNAME.test(username)) m.data.username = username;
    else m.unmap('username');
  }

  const custom: JsonObject = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('custom:')) custom[name.slice('custom:'.length)] = value;
    else if (!MAPPED_ATTRIBUTES.has(name) && present(value) && !(name.endsWith('_verified') && value === 'false')) m.unmap(`attributes.${name}`);
  }
  m.meta('custom_attributes', custom);

  if (!federated) m.migrationPending('Cognito does not export password hashes: created without a password and marked for the password migration hook (or a reset)');
  if (status === 'UNCONFIRMED') m.notes.push('UNCONFIRMED in Cognito: the user never confirmed the sign-up');

  if (!sub && username) {
    m.data.external_id = username;
    m.notes.push('no sub attribute: external_id is the Cognito username');
  }
  m.externalId(sub, 'sub');
  for (const key of ['UserCreateDate', 'UserLastModifiedDate', 'MFAOptions']) if (present(user[key])) m.unmap(key);
  return m.toRecord(ordinal, sub ?? username, user);
}

// A one-user file is small; a ListUsers page is found by its "Users" key and read element by element.
const SCAN: JsonItemsOptions = { keys: ['Users', 'users'], rootObjectUpTo: 1024 * 1024 };

/** The file itself, or the .json files of a folder in name order. */
async function filesOf(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  return (await readdir(path)).filter((name) => name.endsWith('.json')).sort().map((name) => join(path, name));
}

export const cognitoFormat: ImportFormat = {
  name: 'cognito',
  description: 'AWS Cognito ListUsers JSON ({"Users": […]}), a one-user file, or a folder of them; no hashes (users are marked for the migration hook)',
  async *read(path) {
    let ordinal = 0;
    for (const file of await filesOf(path)) {
      for await (const item of jsonItems(file, SCAN)) {
        const parsed = parseItem(item.text, item.kind === 'item' && item.truncated === true);
        if ('reason' in parsed) yield { ordinal, reason: `${file}: ${parsed.reason}`, source: item.text };
        else yield mapCognitoUser(parsed.value, ordinal);
        ordinal++;
      }
    }
  },
  async count(path) {
    let count = 0;
    for (const file of await filesOf(path)) count += await countJsonItems(file, SCAN);
    return count;
  },
  // Cognito holds no hash to redact.
  redact: (source) => source,
  errorsFile: (path) => jsonArrayFile(path, 'Users'),
};
