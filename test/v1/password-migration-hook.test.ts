/**
 * Issue 15, item 5: the password migration hook, against a real hook server on 127.0.0.1 that
 * checks every call's Standard Webhooks signature with the standardwebhooks package.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { readPasswordMigration } from '../../src/config.ts';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { userMaker } from '../helpers/users.ts';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const RIGHT = 'old-system-password';

interface Call {
  identifier: string;
  password: string;
  signatureOk: boolean;
}

/** The old system: says password_match for RIGHT, no for anything else; `mode` makes it fail. */
function startHook() {
  const calls: Call[] = [];
  const state = { mode: 'ok' as 'ok' | 'error' | 'slow' | 'garbage' };
  const verifier = new Webhook(SECRET);
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      let signatureOk = true;
      try {
        verifier.verify(body, req.headers as Record<string, string>);
      } catch {
        signatureOk = false;
      }
      const { identifier, password } = JSON.parse(body);
      calls.push({ identifier, password, signatureOk });
      if (state.mode === 'error') return void res.writeHead(502).end('bad gateway');
      if (state.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('yes');
      // Never answers: whatever the machine's load, the timeout is what ends the call (close() ends the socket).
      if (state.mode === 'slow') return;
      const status = signatureOk && password === RIGHT ? 'password_match' : 'no_match';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    });
  });
  return {
    calls,
    state,
    url: '',
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/migrate`;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const hook = startHook();
before(() => hook.listen());
after(() => hook.close());

for (const kind of DATABASES) {
  describe(`password migration hook on ${kind.name}`, () => {
    const t = useTestApp(kind, {
      // The URL is read when the app starts, after hook.listen().
      passwords: {
        failures: { max: 3, windowMs: 600_000 },
        get migration() {
          // The default: long enough for a loaded machine, and only the one silent call waits it out.
          return { url: hook.url, secret: SECRET, timeoutMs: 5_000 };
        },
      } as never,
    });
    const createUser = userMaker(() => t, (n) => ({ email: `migrate${n}-${kind.name}@example.com` }));
    const post = (url: string, payload: object) => t.request({ method: 'POST', url, payload });
    const verify = (id: string, password: string) => post(`/v1/users/${id}/password/verify`, { password });

    test('a marked user: a wrong password is false, the right one is stored as argon2id and the mark removed, with an event', async () => {
      hook.state.mode = 'ok';
      const user = await createUser({ password_migration_pending: true });
      assert.equal(user.password_migration_pending, true);
      assert.equal(user.password_set, false);
      const before = hook.calls.length;

      assert.deepEqual((await verify(user.id, 'not-it-at-all')).json(), { verified: false });
      assert.equal((await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).json().password_migration_pending, true);

      assert.deepEqual((await verify(user.id, RIGHT)).json(), { verified: true });
      const calls = hook.calls.slice(before);
      assert.equal(calls.length, 2);
      assert.deepEqual(calls.map((c) => [c.identifier, c.password, c.signatureOk]), [
        [user.email, 'not-it-at-all', true],
        [user.email, RIGHT, true],
      ]);
      const stored = await t.store.users.findById('test', user.id);
      assert.equal(stored!.password_hash_type, 'argon2');
      assert.match(stored!.password_hash!, /^\$argon2id\$/);
      assert.equal(stored!.password_migration_pending, false);
      const got = (await t.request({ method: 'GET', url: `/v1/users/${user.id}` })).json();
      assert.equal(got.password_migration_pending, false);
      assert.equal(got.password_set, true);
      assert.equal(got.version, user.version + 1);
      const events = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events` })).json().data;
      assert.deepEqual(events[0].changes, {
        password: { previous: null, current: '[redacted]' },
        password_set: { previous: false, current: true },
        password_migration_pending: { previous: true, current: false },
      });

      // From now on the stored hash answers; the hook is not asked again.
      assert.deepEqual((await verify(user.id, RIGHT)).json(), { verified: true });
      assert.deepEqual((await verify(user.id, 'not-it-at-all')).json(), { verified: false });
      assert.equal(hook.calls.length, before + 2);
    });

    test('an unmarked user without a password never reaches the hook', async () => {
      const user = await createUser();
      assert.equal(user.password_migration_pending, false);
      const before = hook.calls.length;
      assert.deepEqual((await verify(user.id, RIGHT)).json(), { verified: false });
      assert.equal(hook.calls.length, before);
    });

    test('an outage (5xx, a body that is not JSON, no answer in time) is a 503 with Retry-After and counts no failure', async () => {
      const user = await createUser({ username: `mig_out_${kind.name}`, email: null, password_migration_pending: true });
      // Five outages with a limit of three failures: none of them counts, so no 429.
      const why = { error: /answered 502/, garbage: /answered with a body that is not JSON/, slow: /did not answer within 5000 ms/ };
      for (const mode of ['error', 'garbage', 'slow', 'error', 'garbage'] as const) {
        hook.state.mode = mode;
        const res = await verify(user.id, RIGHT);
        assert.equal(res.statusCode, 503, `${mode}: ${res.body}`);
        assert.ok(Number(res.headers['retry-after']) > 0);
        assert.match(res.json().message, /^The password migration hook \(USERPLANE_PASSWORD_MIGRATION_URL\) /);
        assert.match(res.json().message, why[mode]);
      }
      hook.state.mode = 'ok';
      assert.equal(hook.calls.at(-1)!.identifier, `mig_out_${kind.name}`, 'without an email the username is the identifier');
      assert.deepEqual((await verify(user.id, RIGHT)).json(), { verified: true });
      assert.equal((await t.store.users.findById('test', user.id))!.password_migration_pending, false);
    });

    test('wrong passwords through the hook count toward the failure limit', async () => {
      hook.state.mode = 'ok';
      const user = await createUser({ password_migration_pending: true });
      for (let i = 0; i < 3; i += 1) assert.deepEqual((await verify(user.id, `wrong-${i}`)).json(), { verified: false });
      const limited = await verify(user.id, RIGHT);
      assert.equal(limited.statusCode, 429, limited.body);
    });

    test('settable by PATCH and in batch data; setting a password clears it, with the change on the event', async () => {
      const user = await createUser();
      const patched = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { password_migration_pending: true } });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().password_migration_pending, true);
      const bad = await t.request({ method: 'PATCH', url: `/v1/users/${user.id}`, payload: { password_migration_pending: 'yes' } });
      assert.equal(bad.statusCode, 400);

      const set = await post(`/v1/users/${user.id}/password`, { password: 'a brand new password' });
      assert.equal(set.statusCode, 200, set.body);
      assert.equal(set.json().password_migration_pending, false);
      const events = (await t.request({ method: 'GET', url: `/v1/users/${user.id}/events` })).json().data;
      assert.deepEqual(events[0].changes.password_migration_pending, { previous: true, current: false });

      const batch = await post('/v1/users/batch', {
        operations: [
          { op: 'create', data: { email: `mig-batch-${kind.name}@example.com`, password_migration_pending: true } },
          { op: 'create', data: { email: `mig-batch-hash-${kind.name}@example.com`, password_migration_pending: true, password_hash: '$md5$CY9rzUYh03PK3k6DJie09g==', password_hash_type: 'md5' } },
        ],
      });
      assert.equal(batch.statusCode, 200, batch.body);
      const [marked, hashed] = batch.json().results;
      assert.equal(marked.user.password_migration_pending, true);
      assert.equal(hashed.user.password_migration_pending, false, 'a hash given with the user is its password');
    });
  });
}

describe('password migration settings', () => {
  test('off unless the URL is set; URL and a whsec_ secret together; a bounded timeout', () => {
    const problems: string[] = [];
    assert.equal(readPasswordMigration({}, problems), null);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      readPasswordMigration({ USERPLANE_PASSWORD_MIGRATION_URL: 'https://old.example/check', USERPLANE_PASSWORD_MIGRATION_SECRET: SECRET }, problems),
      { url: 'https://old.example/check', secret: SECRET, timeoutMs: 5_000 },
    );
    assert.deepEqual(problems, []);
    readPasswordMigration({ USERPLANE_PASSWORD_MIGRATION_SECRET: SECRET }, problems);
    readPasswordMigration({ USERPLANE_PASSWORD_MIGRATION_URL: 'ftp://old.example', USERPLANE_PASSWORD_MIGRATION_SECRET: 'secret' }, problems);
    readPasswordMigration({ USERPLANE_PASSWORD_MIGRATION_URL: 'https://old.example', USERPLANE_PASSWORD_MIGRATION_SECRET: SECRET, USERPLANE_PASSWORD_MIGRATION_TIMEOUT_MS: '0' }, problems);
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0]!, /SECRET is set but USERPLANE_PASSWORD_MIGRATION_URL is not/);
    assert.match(problems[1]!, /must be an http or https URL/);
    assert.match(problems[2]!, /must be whsec_ followed by base64/);
    assert.match(problems[3]!, /USERPLANE_PASSWORD_MIGRATION_TIMEOUT_MS/);
  });
});
