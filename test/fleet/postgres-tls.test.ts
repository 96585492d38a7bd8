/**
 * Issue 8, part 2: TLS to PostgreSQL through the URL's sslmode, with libpq's meanings (pg alone
 * reads require as verify-full), against a private server with a fresh self-signed certificate:
 * the shared test server has TLS off.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openConnection, withLibpqSslModes } from '../../src/store/connection.ts';
import { privatePostgresSkip, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';

const SKIP = privatePostgresSkip ? `skipped: ${privatePostgresSkip}` : false;
if (SKIP) console.log(`# PostgreSQL TLS tests ${SKIP}`);

/** Skipped one by one (not as a suite) so the run's summary counts what did not run. */
const tlsTest = (name: string, fn: () => Promise<void>) => test(name, { skip: SKIP }, fn);

interface SslState {
  ssl: boolean;
  client_dn: string | null;
}

/** What pg_stat_ssl says about the store's own connection, opened through openConnection. */
async function sslOf(url: string): Promise<SslState> {
  const { db } = openConnection(url);
  try {
    const { rows } = await sql<SslState>`select ssl, client_dn from pg_stat_ssl where pid = pg_backend_pid()`.execute(db);
    return rows[0]!;
  } finally {
    await db.destroy();
  }
}

async function refusal(url: string): Promise<string> {
  const { db } = openConnection(url);
  try {
    await sql`select 1`.execute(db);
    return 'connected';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await db.destroy();
  }
}

describe('sslmode in DATABASE_URL (issue 8)', () => {
  let server: PrivatePostgres;
  let dir: string;
  let clientCert: string;
  let clientKey: string;
  const url = (params: Record<string, string>, host = '127.0.0.1') =>
    `postgres://postgres@${host}:${server.port}/postgres?${new URLSearchParams(params)}`;

  before(async () => {
    if (SKIP) return;
    dir = mkdtempSync(join(tmpdir(), 'userplane-tls-'));
    clientCert = join(dir, 'client.crt');
    clientKey = join(dir, 'client.key');
    // Self-signed, so it is its own CA: the server trusts it as ssl_ca_file and records its DN.
    execFileSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-subj', '/CN=userplane-client', '-keyout', clientKey, '-out', clientCert], { stdio: 'ignore' });
    // The server may run as the postgres user, which must read the CA file.
    chmodSync(dir, 0o755);
    chmodSync(clientCert, 0o644);
    server = await startPrivatePostgres({ ssl: true, settings: { ssl_ca_file: `'${clientCert}'` } });
  });
  after(() => {
    server?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  tlsTest('sslmode=require encrypts without checking the self-signed certificate, and pg prints no SECURITY WARNING', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      assert.equal((await sslOf(url({ sslmode: 'require' }))).ssl, true);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((w) => /ssl/i.test(w)), []);
  });

  tlsTest('sslmode=verify-full with sslrootcert=<the server certificate> and host localhost connects encrypted', async () => {
    assert.equal((await sslOf(url({ sslmode: 'verify-full', sslrootcert: server.sslCertFile! }, 'localhost'))).ssl, true);
  });

  tlsTest('sslmode=verify-full without the root certificate is refused: the certificate is self-signed', async () => {
    assert.match(await refusal(url({ sslmode: 'verify-full' }, 'localhost')), /self-signed certificate/);
  });

  tlsTest('verify-full checks the host name; verify-ca and require with sslrootcert check only the chain', async () => {
    const root = server.sslCertFile!;
    assert.match(await refusal(url({ sslmode: 'verify-full', sslrootcert: root })), /Hostname\/IP does not match certificate's altnames/);
    assert.equal((await sslOf(url({ sslmode: 'verify-ca', sslrootcert: root }))).ssl, true);
    assert.equal((await sslOf(url({ sslmode: 'require', sslrootcert: root }))).ssl, true);
    // A root that did not sign the server's certificate: verify-ca and require refuse alike.
    assert.match(await refusal(url({ sslmode: 'verify-ca', sslrootcert: clientCert })), /self-signed certificate/);
    assert.match(await refusal(url({ sslmode: 'require', sslrootcert: clientCert })), /self-signed certificate/);
  });

  tlsTest('sslmode=disable and allow are unencrypted; prefer and pg\'s own no-verify encrypt', async () => {
    assert.equal((await sslOf(url({ sslmode: 'disable' }))).ssl, false);
    assert.equal((await sslOf(url({ sslmode: 'allow' }))).ssl, false);
    assert.equal((await sslOf(url({ sslmode: 'prefer' }))).ssl, true);
    assert.equal((await sslOf(url({ sslmode: 'no-verify' }))).ssl, true);
    assert.equal((await sslOf(url({}))).ssl, false);
  });

  tlsTest('sslcert and sslkey present a client certificate', async () => {
    const withCert = await sslOf(url({ sslmode: 'require', sslcert: clientCert, sslkey: clientKey }));
    assert.deepEqual(withCert, { ssl: true, client_dn: '/CN=userplane-client' });
    assert.equal((await sslOf(url({ sslmode: 'require' }))).client_dn, null);
  });
});

describe('the URL pg is given (issue 8)', () => {
  test('asks for libpq semantics and leaves the rest of the URL, password included, as it was', () => {
    assert.equal(withLibpqSslModes('postgres://u:p%40ss@db:5432/app'), 'postgres://u:p%40ss@db:5432/app?uselibpqcompat=true');
    assert.equal(
      withLibpqSslModes('postgres://u:p%40ss@db/app?sslmode=verify-full&sslrootcert=/etc/ca.pem'),
      'postgres://u:p%40ss@db/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&uselibpqcompat=true',
    );
    assert.equal(withLibpqSslModes('postgres://db/app?sslmode=no-verify'), 'postgres://db/app?sslmode=require&uselibpqcompat=true');
  });

  test('an explicit uselibpqcompat is the operator\'s choice and is kept', () => {
    assert.equal(withLibpqSslModes('postgres://db/app?sslmode=require&uselibpqcompat=false'), 'postgres://db/app?sslmode=require&uselibpqcompat=false');
  });
});
