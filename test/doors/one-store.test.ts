/**
 * Issue 4, "one store": one user walked through all five doors — created through one, read and
 * updated through each of the others — with every change in one history naming its door.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { useSdkApp } from '../workos/sdk-app.ts';

for (const kind of DATABASES) {
  describe(`one user through every door on ${kind.name}`, () => {
    const s = useSdkApp(kind);

    const json = async (res: Response) => {
      const body = await res.json();
      assert.ok(res.ok, `${res.status} ${JSON.stringify(body)}`);
      return body;
    };

    test('Klaim creates; WorkOS, Proficient, StateSet and /v1 each read and change the same user', async () => {
      // Klaim: create with the client's own id.
      const klaim = await json(await s.fetch('/klaim/users', { method: 'POST', json: { user_id: `walker-${kind.name}`, email: `walker-${kind.name}@example.com`, name: 'Walker', metadata: { from: 'klaim' } } }));
      const id: string = klaim.klaim_id;
      assert.match(id, /^usr_/);

      // WorkOS: the SDK finds it by external id and updates names and metadata.
      const found = await s.workos.userManagement.getUserByExternalId(`walker-${kind.name}`);
      assert.equal(found.email, `walker-${kind.name}@example.com`);
      const viaWorkos = await s.workos.userManagement.updateUser({ userId: found.id, firstName: 'Wal', metadata: { sdk: 'workos' } });
      assert.equal(viaWorkos.firstName, 'Wal');
      assert.deepEqual(viaWorkos.metadata, { from: 'klaim', sdk: 'workos' });

      // Proficient: sees WorkOS's change, then sets the last name.
      const proficient = await json(await s.fetch(`/proficient/users/${id}`));
      assert.equal(proficient.first_name, 'Wal');
      assert.equal(proficient.external_id, `walker-${kind.name}`);
      const updated = await json(await s.fetch(`/proficient/users/${id}`, { method: 'POST', json: { last_name: 'Ker' } }));
      assert.equal(updated.last_name, 'Ker');

      // StateSet: sees both, and adds profile fields under its own names.
      const stateset = await json(await s.fetch(`/stateset/v1/users/${id}`));
      assert.equal(stateset.firstName, 'Wal');
      assert.equal(stateset.lastName, 'Ker');
      await json(await s.fetch(`/stateset/v1/users/${id}`, { method: 'PUT', json: { country: 'GB', title: 'Traveller' } }));

      // Klaim again: renames the client id; /v1 sees everything under the canonical names.
      await json(await s.fetch(`/klaim/users/walker-${kind.name}`, { method: 'PUT', json: { user_id: `walker2-${kind.name}` } }));
      const canonical = await json(await s.fetch(`/v1/users/${id}`));
      assert.equal(canonical.first_name, 'Wal');
      assert.equal(canonical.last_name, 'Ker');
      assert.equal(canonical.country, 'GB');
      assert.equal(canonical.title, 'Traveller');
      assert.equal(canonical.external_id, `walker2-${kind.name}`);
      assert.deepEqual(canonical.metadata, { from: 'klaim', sdk: 'workos' });
      assert.equal(canonical.source, 'klaim');
      await json(await s.fetch(`/v1/users/${id}`, { method: 'PATCH', json: { role: 'member' } }));

      // One history, each change naming its door, newest first.
      const events = await json(await s.fetch(`/v1/users/${id}/events?limit=100`));
      assert.deepEqual(
        events.data.map((e: { door: string }) => e.door),
        ['v1', 'klaim', 'stateset', 'proficient', 'workos', 'klaim'],
      );
      assert.deepEqual(events.data[4].changes.first_name, { previous: null, current: 'Wal' });

      // And the WorkOS SDK reads the final state back.
      const final = await s.workos.userManagement.getUser(found.id);
      assert.equal(final.externalId, `walker2-${kind.name}`);
      assert.equal(final.lastName, 'Ker');
    });
  });
}
