/**
 * Issue 15, item 5 through /v1, on each database: an md5/sha*, hmac, werkzeug and ory hash imports,
 * a wrong password fails, the right one verifies, and the stored hash is argon2id afterwards.
 * The vectors and their sources are in test/unit/password-hash-families.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATABASES } from '../helpers/databases.ts';
import { useTestApp } from '../helpers/app.ts';
import { userMaker } from '../helpers/users.ts';

const CASES = [
  { type: 'md5', hash: '$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ==', password: 'test' },
  { type: 'sha1', hash: '$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=', password: 'test' },
  { type: 'sha256', hash: '$sha256$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$HokCOi9OtiZaZRvnkgemV3B4UUHpI7kA8zq/EZWH2NY=', password: 'test' },
  {
    type: 'sha512',
    hash: '$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw==',
    password: 'test',
  },
  { type: 'hmac', hash: `$hmac-sha1$cg7f42jH39/2EaAU4wNd4s2lKIk=$c2ho`, password: 'test' },
  { type: 'werkzeug', hash: 'pbkdf2:sha256:1000$t5dbfsvo7uWDEKE8$349378ef3f9854baeabccb62e3d8cb15ef265a356885a403e670a74afc817cd7', password: 'secret' },
  {
    type: 'werkzeug',
    hash: 'scrypt:32768:8:1$08mWsAnjT5K8ec3E$b63a772010deac24b0c9447b27348cbddb8f67f60ae26427412dc5bc7e57a6b6ed0a0eb5c07f41d2f6b2827e8b4320358a965ed3a6ee4ae8f31b966436b63028',
    password: 'secret',
  },
  { type: 'ory', hash: '$md5$CY9rzUYh03PK3k6DJie09g==', password: 'test' },
  { type: 'ory', hash: '$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=', password: 'test' },
  { type: 'ory', hash: '$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI', password: 'test' },
  { type: 'ory', hash: '$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=', password: 'test' },
  {
    type: 'ory',
    hash: '$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==',
    password: '8x4WjoDbSxJZdR',
  },
  { type: 'ory', hash: '$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/', password: 'test' },
  { type: 'ory', hash: '{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a', password: 'test123' },
  { type: 'ory', hash: '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K', password: 'hello' },
];

for (const kind of DATABASES) {
  describe(`imported md5/sha*/hmac/werkzeug/ory hashes on ${kind.name}`, () => {
    const t = useTestApp(kind);
    const createUser = userMaker(() => t, (n) => ({ email: `families${n}-${kind.name}@example.com` }));
    const post = (url: string, payload: object) => t.request({ method: 'POST', url, payload });

    test('each imports, refuses a wrong password, verifies the right one and is then argon2id', async () => {
      for (const { type, hash, password } of CASES) {
        const user = await createUser();
        const set = await post(`/v1/users/${user.id}/password`, { password_hash: hash, password_hash_type: type });
        assert.equal(set.statusCode, 200, `${type}: ${set.body}`);
        assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password: `${password}!` })).json(), { verified: false }, hash);
        const stored = await t.store.users.findById('test', user.id);
        assert.equal(stored!.password_hash_type, type, 'stored under the type it was imported as');
        assert.equal(stored!.password_hash, hash, 'stored exactly as given');
        assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password })).json(), { verified: true }, hash);
        const upgraded = await t.store.users.findById('test', user.id);
        assert.equal(upgraded!.password_hash_type, 'argon2', hash);
        assert.match(upgraded!.password_hash!, /^\$argon2id\$/);
        assert.deepEqual((await post(`/v1/users/${user.id}/password/verify`, { password })).json(), { verified: true });
      }
    });

    test('a batch create takes them in data; a malformed one and one above a ceiling are per-item 400s naming the fix', async () => {
      const res = await post('/v1/users/batch', {
        operations: [
          { op: 'create', data: { email: `fam-batch-a-${kind.name}@example.com`, password_hash: CASES[0]!.hash, password_hash_type: 'md5' } },
          { op: 'create', data: { email: `fam-batch-b-${kind.name}@example.com`, password_hash: '$1$rasmusle$rISCgZzpwk3UhDidwXvin0', password_hash_type: 'ory' } },
          {
            op: 'create',
            data: { email: `fam-batch-c-${kind.name}@example.com`, password_hash: `scrypt:1048576:8:1$salt$${'ab'.repeat(64)}`, password_hash_type: 'werkzeug' },
          },
        ],
      });
      assert.equal(res.statusCode, 200, res.body);
      const [ok, bad, costly] = res.json().results;
      assert.equal(ok.status, 201, JSON.stringify(ok));
      assert.deepEqual((await post(`/v1/users/${ok.user.id}/password/verify`, { password: 'test' })).json(), { verified: true });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.error), /ory hash must start with one of/);
      assert.equal(costly.status, 400);
      assert.match(JSON.stringify(costly.error), /USERPLANE_HASH_MAX_SCRYPT_MIB/);
    });
  });
}
