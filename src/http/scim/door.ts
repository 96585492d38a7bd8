/**
 * The SCIM door's spec: the attribute names its errors use for canonical fields, and its codec.
 * Bodies are mapped by ./user-mapping.ts (SCIM's shape is nested, not a flat field map).
 */
import { defineDoor } from '../door-spec.ts';
import { scimCodec } from './errors.ts';

export const scim = defineDoor({
  fields: {
    userName: 'username',
    emails: 'email',
    'name.givenName': 'first_name',
    'name.familyName': 'last_name',
    displayName: 'name',
    phoneNumbers: 'phone',
    externalId: 'external_id',
    active: 'active',
    locale: 'locale',
    title: 'title',
    [`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization`]: 'organization',
  },
  codec: scimCodec,
});
