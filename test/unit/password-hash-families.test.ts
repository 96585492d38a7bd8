/**
 * Issue 15, item 5: the digest, hmac, werkzeug and ory hash types, each against published vectors.
 * Sources are named beside each; where a source publishes parameters but not the digest, the digest
 * was computed with an independent implementation (OpenSSL / Python's hashlib) and that is said.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_HASH_CEILINGS,
  PasswordHashFormatError,
  checkHashCost,
  parseImportedHash,
  verifyImportedHash,
  type PasswordHashType,
} from '../../src/services/password-hashing/index.ts';

async function assertVector(type: PasswordHashType, hash: string, password: string): Promise<void> {
  const parsed = parseImportedHash(type, hash);
  assert.equal(await verifyImportedHash(parsed, password), true, `${type} ${hash.slice(0, 24)}… should verify`);
  assert.equal(await verifyImportedHash(parsed, `${password}x`), false, `${type} ${hash.slice(0, 24)}…, wrong password`);
}

function assertRefused(type: string, hash: string, message: RegExp, reason = 'malformed'): void {
  assert.throws(
    () => checkHashCost(parseImportedHash(type, hash), DEFAULT_HASH_CEILINGS),
    (error: unknown) => {
      assert.ok(error instanceof PasswordHashFormatError, 'a PasswordHashFormatError');
      assert.equal(error.reason, reason);
      assert.match(error.message, message);
      return true;
    },
  );
}

const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');

describe('md5, sha1, sha256, sha512 (Ory encodings)', () => {
  // Ory Kratos hash/hasher_test.go and its import docs ("$md5$CY9rzUYh03PK3k6DJie09g==" is "test").
  test('unsalted and salted Kratos vectors, salt before, after and inside a pattern', async () => {
    await assertVector('md5', '$md5$CY9rzUYh03PK3k6DJie09g==', 'test');
    await assertVector('md5', '$md5$ptoWyof5SobW+pbZu2QXoQ==', 'ory');
    await assertVector('md5', '$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ==', 'test'); // {SALT}{PASSWORD}, salt 123
    await assertVector('sha1', '$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=', 'test');
    await assertVector('sha1', '$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$99h9net4BXl7qdTRaiGUobLROxM=', 'BwS^514g^cv@Z');
    await assertVector('sha1', '$sha1$pf=Pz9zdGF0aWNQcmVmaXg/P3tTQUxUfXtQQVNTV09SRH0=$NW9wbWtnejAzcg==$SAAxMUn7jxckQXkBmsVF0nHwqso=', 'test');
    await assertVector('sha1', '$sha1$pf=e1BBU1NXT1JEfSUle1NBTFR9$NW9wbWtnejAzcg==$YX0AW8/MW5ojUlnzTaR43ucHCog=', 'test'); // {PASSWORD}%%{SALT}
    await assertVector('sha256', '$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$0gfRVLCvtBCk20udLDEY5vNhujWx7RGjwRIS1ebMsLY=', 'test');
    await assertVector('sha256', '$sha256$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$HokCOi9OtiZaZRvnkgemV3B4UUHpI7kA8zq/EZWH2NY=', 'test');
    await assertVector(
      'sha512',
      '$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw==',
      'test',
    );
  });

  test('unsalted sha1/sha256/sha512 digests of "password" (FIPS 180 digests, as any sha*sum prints them)', async () => {
    await assertVector('sha1', `$sha1$${Buffer.from('5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8', 'hex').toString('base64')}`, 'password');
    await assertVector('sha256', `$sha256$${Buffer.from('5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', 'hex').toString('base64')}`, 'password');
    const sha512 = 'b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86';
    await assertVector('sha512', `$sha512$${Buffer.from(sha512, 'hex').toString('base64')}`, 'password');
  });

  test('malformed: wrong prefix, no {PASSWORD} in the pattern, bad base64, wrong digest length', () => {
    assertRefused('md5', '$sha1$2qU2SGWP8viTM1md3FiI3+rjWXQ=', /^md5 hash starts with \$sha1\$; import it with password_hash_type 'sha1'$/);
    assertRefused('sha256', '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', /^sha256 hash must look like \$sha256\$<base64 digest>/);
    assertRefused('sha1', `$sha1$pf=${b64('{SALT}')}$MTIz$2qU2SGWP8viTM1md3FiI3+rjWXQ=`, /pattern pf= must contain \{PASSWORD\}/);
    assertRefused('sha1', '$sha1$e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$2qU2SGWP8viTM1md3FiI3+rjWXQ=', /must carry its pattern as pf=/);
    assertRefused('md5', '$md5$pf=MTIz$Z$', /pattern pf= must contain \{PASSWORD\}/);
    assertRefused('md5', '$md5$CY9rzUYh03PK3k6DJie0', /^md5 digest must be standard base64 of 16 bytes$/);
  });
});

describe('hmac', () => {
  test('Kratos vectors: the field holds base64 of the HMAC in hex, as Kratos compares it', async () => {
    // Ory Kratos hash/hasher_test.go ("hmac-md5", "hmac-sha1"), key "12345".
    await assertVector('hmac', '$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=', 'test');
    await assertVector('hmac', '$hmac-sha1$NDMyNjcxZTUyY2Y2YTBmYjZjZDE2NjQxYjAwNjFiZjAwOGEzNWM5MA==$MTIzNDU=', 'test');
    // A wrong key fails (Kratos's "Wrong Key" case).
    assert.equal(await verifyImportedHash(parseImportedHash('hmac', '$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNA=='), 'test'), false);
  });

  test("Auth0's schema example: hmac-sha1 with key 736868 (hex) for \"test\", raw digest", async () => {
    // Parameters from Auth0's bulk-import schema examples; the digest 720edfe3…2889 computed with
    // `openssl dgst -sha1 -mac HMAC -macopt hexkey:736868` and Python's hmac, which agree.
    const digest = Buffer.from('720edfe368c7dfdff611a014e3035de2cda52889', 'hex').toString('base64');
    await assertVector('hmac', `$hmac-sha1$${digest}$${Buffer.from('736868', 'hex').toString('base64')}`, 'test');
  });

  test('RFC 4231 test case 2 (HMAC-SHA-256 and -512, key "Jefe")', async () => {
    const key = b64('Jefe');
    const sha256 = Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex').toString('base64');
    const sha512 = Buffer.from(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
      'hex',
    ).toString('base64');
    await assertVector('hmac', `$hmac-sha256$${sha256}$${key}`, 'what do ya want for nothing?');
    await assertVector('hmac', `$hmac-sha512$${sha512}$${key}`, 'what do ya want for nothing?');
  });

  test("salted (our extension for Auth0's salted hmac): HMAC(key, pattern filled in)", async () => {
    // RFC 4231 case 2 again, with the message split into a salt and a password by the pattern.
    const sha256 = Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex').toString('base64');
    await assertVector('hmac', `$hmac-sha256$pf=${b64('{SALT}{PASSWORD}')}$${b64('what do ya ')}$${sha256}$${b64('Jefe')}`, 'want for nothing?');
    await assertVector('hmac', `$hmac-sha256$pf=${b64('{PASSWORD}{SALT}')}$${b64(' for nothing?')}$${sha256}$${b64('Jefe')}`, 'what do ya want');
  });

  test('malformed: missing key, unknown function, wrong digest length', () => {
    assertRefused('hmac', '$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=', /^hmac hash must look like/);
    assertRefused('hmac', '$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$', /^hmac key \(the last field\) must be standard base64/);
    assertRefused('hmac', '$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU=', /^hmac digest function must be md5, sha1, sha256 or sha512, not 'md4'$/);
    assertRefused('hmac', '$hmac$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=', /^hmac hash must look like/);
    assertRefused('hmac', '$hmac-sha1$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=', /^hmac-sha1 digest must be standard base64 of the 20-byte HMAC/);
  });
});

describe('werkzeug', () => {
  // Made with Werkzeug 3.1.8's generate_password_hash (werkzeug.security), which is hashlib's
  // scrypt / pbkdf2_hmac; check_password_hash accepts each with its password.
  test('scrypt (the default method, and a smaller N) and pbkdf2 with sha256, sha512 and sha1', async () => {
    await assertVector(
      'werkzeug',
      'scrypt:32768:8:1$08mWsAnjT5K8ec3E$b63a772010deac24b0c9447b27348cbddb8f67f60ae26427412dc5bc7e57a6b6ed0a0eb5c07f41d2f6b2827e8b4320358a965ed3a6ee4ae8f31b966436b63028',
      'secret',
    );
    await assertVector(
      'werkzeug',
      'scrypt:1024:8:1$p770CMTyO2heUo9f$e59b30efed7b50b3c77db29563aca55f41fce71f3e365b2acedb893be4478fcc355932445fba5b034d122d6894188ab625c1c0b770b0c5131f45b9e7ab738a57',
      'secret',
    );
    await assertVector('werkzeug', 'pbkdf2:sha256:1000$t5dbfsvo7uWDEKE8$349378ef3f9854baeabccb62e3d8cb15ef265a356885a403e670a74afc817cd7', 'secret');
    await assertVector(
      'werkzeug',
      'pbkdf2:sha512:2000$NUc4QoB1$1868e4e89a1521e671fd18a37bbcab297433767cecdfd8530ab0f9a117dd729a47bf0b3b6d8a6493cd16ddc95ba4b7674508a9b5ea12920711d04a82346e16f4',
      'l\u00e8tmein',
    );
    await assertVector('werkzeug', 'pbkdf2:sha1:1000$UcVV827QN3YHlcT2$649afafcdae7956191a0d85f49208a5f676da264', 'secret');
  });

  test('malformed and above the ceilings (USERPLANE_HASH_MAX_SCRYPT_MIB, USERPLANE_HASH_MAX_PBKDF2_ITERATIONS)', () => {
    const hex64 = 'ab'.repeat(64);
    assertRefused('werkzeug', `sha256$salt$${'ab'.repeat(32)}`, /^werkzeug hash must look like scrypt:<N>:<r>:<p>/);
    assertRefused('werkzeug', `scrypt:1000:8:1$salt$${hex64}`, /^werkzeug scrypt parameter n must be a power of two/);
    assertRefused('werkzeug', `scrypt:32768:8$salt$${hex64}`, /^werkzeug scrypt method must be scrypt:<N>:<r>:<p>/);
    assertRefused('werkzeug', `pbkdf2:md5:1000$salt$${'ab'.repeat(16)}`, /^werkzeug pbkdf2 digest must be sha256, sha512 or sha1$/);
    assertRefused('werkzeug', `pbkdf2:sha256:1000$salt$${'ab'.repeat(20)}`, /^werkzeug pbkdf2:sha256 hash must be the hex of 32 bytes$/);
    assertRefused('werkzeug', `pbkdf2:sha256:1000$salt$${'AB'.repeat(32)}`, /must be lower-case hex/);
    assertRefused('werkzeug', `scrypt:262144:8:1$salt$${hex64}`, /scrypt 128·N·r·p = 256 MiB is above this server's ceiling of 128 MiB \(USERPLANE_HASH_MAX_SCRYPT_MIB\)/, 'above_ceiling');
    assertRefused('werkzeug', `pbkdf2:sha256:3000000$salt$${'ab'.repeat(32)}`, /USERPLANE_HASH_MAX_PBKDF2_ITERATIONS/, 'above_ceiling');
  });
});

describe('ory: any Kratos hashed_password, by its prefix', () => {
  // Every vector here is from Ory Kratos hash/hasher_test.go (or its import docs), except bcrypt:
  // the Auth0 schema's own example, and argon2: RFC 9106's reference implementation output as
  // passlib carries it.
  const vectors: Array<[string, string, string]> = [
    ['bcrypt', '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K', 'hello'],
    ['argon2', '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4', 'password'],
    ['pbkdf2', '$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI', 'test'],
    ['pbkdf2', '$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc', 'test'],
    // Kratos runs SHA3-224 / SHA3-384 for these two names.
    ['pbkdf2', '$pbkdf2-sha224$i=100000,l=32$A2nzbFd+wwzPSb+TqkF5Pw$9M4GM2yOYw/fZvsvQbF/0Ec8JO2u9O1MYRTfrDimX6o', 'test'],
    ['pbkdf2', '$pbkdf2-sha384$i=100000,l=32$xDInuz7Y/DPzZUnCaQXJmg$7ICaEa6jEqxbbCBbv4YzrBf39KYNAtc3Bj0QWKeB3Ck', 'test'],
    ['scrypt', '$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=', 'test'],
    [
      'firebase-scrypt',
      '$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==',
      '8x4WjoDbSxJZdR',
    ],
    ['ldap', '{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a', 'test123'],
    ['ldap', '{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=', 'test123'],
    ['md5', '$md5$CY9rzUYh03PK3k6DJie09g==', 'test'],
    ['sha256', '$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$0gfRVLCvtBCk20udLDEY5vNhujWx7RGjwRIS1ebMsLY=', 'test'],
    ['hmac', '$hmac-sha1$NDMyNjcxZTUyY2Y2YTBmYjZjZDE2NjQxYjAwNjFiZjAwOGEzNWM5MA==$MTIzNDU=', 'test'],
    ['md5_crypt', '$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/', 'test'],
    ['md5_crypt', '$md5-crypt$$whuMjZj.HMFoaTaZRRtkO0', 'test'],
    ['sha256_crypt', '$sha256-crypt$rounds=535000$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78', 'test'],
  ];
  for (const [family, hash, password] of vectors) {
    test(`${hash.slice(0, hash.indexOf('$', 1) + 1) || hash.slice(0, 9)} → ${family}`, async () => {
      assert.equal(parseImportedHash('ory', hash).type, family);
      if (family === 'sha256_crypt') {
        // 535,000 rounds is above the default ceiling of 200,000: refused at import, as it should be.
        assertRefused('ory', hash, /sha256_crypt rounds 535,000 is above this server's ceiling of 200,000/, 'above_ceiling');
      }
      await assertVector('ory', hash, password);
    });
  }

  test('malformed: an unknown prefix lists the accepted ones; a family error names ory', () => {
    assertRefused('ory', '$1$rasmusle$rISCgZzpwk3UhDidwXvin0', /^ory hash must start with one of \$2a\$\/\$2b\$\/\$2y\$ \(bcrypt\)/);
    assertRefused('ory', '$scrypt$ln=16385,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=', /^ory hash \$scrypt\$ \(ln is N itself, as Kratos reads it\) parameter n must be a power of two/);
    assertRefused('ory', '$firescrypt$ln=31,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaA==$Bw==$a2V5a2V5', /^ory hash \$firescrypt\$ mem cost ln= must be between 1 and 14$/);
    assertRefused('ory', '$firescrypt$ln=14,r=8,p=2$c2FsdHNhbHRzYWx0$aGFzaA==$Bw==$a2V5a2V5', /p must be 1/);
    assertRefused('ory', '$pbkdf2-sha256$i=100000,l=31$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI', /l= must equal the hash's length \(32 bytes\)/);
    assertRefused('ory', '$pbkdf2-md5$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI', /digest must be sha1, sha224, sha256, sha384 or sha512/);
    assertRefused('ory', '$pbkdf2-constructor$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI', /digest must be sha1/);
    assertRefused('ory', '$md5-crypt$whuMjZj.HMFoaTaZRRtkO0', /^ory hash: md5_crypt hash must look like/);
  });

  test('the ceilings hold for ory scrypt, pbkdf2 and firescrypt', () => {
    assertRefused('ory', '$scrypt$ln=262144,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=', /USERPLANE_HASH_MAX_SCRYPT_MIB/, 'above_ceiling');
    assertRefused('ory', '$pbkdf2-sha256$i=5000000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI', /USERPLANE_HASH_MAX_PBKDF2_ITERATIONS/, 'above_ceiling');
    const ceilings = { ...DEFAULT_HASH_CEILINGS, firebaseMemCost: 13 };
    const fire = parseImportedHash('ory', '$firescrypt$ln=14,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaA==$Bw==$a2V5aw==');
    assert.throws(() => checkHashCost(fire, ceilings), /USERPLANE_HASH_MAX_FIREBASE_MEM_COST/);
  });
});
