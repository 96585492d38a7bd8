/** Issue 12, item 3: which webhook targets reach inside the network, whatever the spelling. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internalAddress, judgeHost } from '../../src/webhooks/address-policy.ts';
import { endpointUrlProblem, guardedLookup } from '../../src/webhooks/safe-lookup.ts';

/** URL → the rule it breaks (a fragment of the message), or null when it is a public address. */
const SPELLINGS: Array<[string, string | null]> = [
  ['http://127.0.0.1/', 'loopback address (127.0.0.0/8)'],
  ['http://2130706433/', 'loopback address (127.0.0.0/8)'],
  ['http://0x7f000001/', 'loopback address (127.0.0.0/8)'],
  ['http://0x7f.1/', 'loopback address (127.0.0.0/8)'],
  ['http://017700000001/', 'loopback address (127.0.0.0/8)'],
  ['http://0177.0.0.1/', 'loopback address (127.0.0.0/8)'],
  ['http://127.1/', 'loopback address (127.0.0.0/8)'],
  ['http://127.255.255.254:8080/x', 'loopback address (127.0.0.0/8)'],
  ['http://[::1]/', 'loopback address (::1/128)'],
  ['http://[0:0:0:0:0:0:0:1]/', 'loopback address (::1/128)'],
  ['http://[::ffff:127.0.0.1]/', 'loopback address (127.0.0.0/8)'],
  ['http://[::ffff:7f00:1]/', 'loopback address (127.0.0.0/8)'],
  ['http://[::127.0.0.1]/', 'loopback address (127.0.0.0/8)'],
  ['http://localhost/', 'loopback name'],
  ['http://LocalHost./', 'loopback name'],
  ['http://api.localhost/', 'loopback name'],
  ['http://10.0.0.1/', 'private address (10.0.0.0/8)'],
  ['http://167772161/', 'private address (10.0.0.0/8)'],
  ['http://172.16.0.1/', 'private address (172.16.0.0/12)'],
  ['http://172.31.255.255/', 'private address (172.16.0.0/12)'],
  ['http://192.168.0.1/', 'private address (192.168.0.0/16)'],
  ['http://0xc0.0xa8.1.1/', 'private address (192.168.0.0/16)'],
  ['http://[::ffff:10.1.2.3]/', 'private address (10.0.0.0/8)'],
  ['http://[::ffff:a01:203]/', 'private address (10.0.0.0/8)'],
  ['http://[fc00::1]/', 'private address (fc00::/7)'],
  ['http://[fd12:3456::1]/', 'private address (fc00::/7)'],
  ['http://[64:ff9b::a00:1]/', 'private address (10.0.0.0/8)'],
  ['http://[2002:c0a8:101::1]/', 'private address (192.168.0.0/16)'],
  ['http://169.254.169.254/latest/meta-data/', 'link-local address (169.254.0.0/16)'],
  ['http://[fe80::1]/', 'link-local address (fe80::/10)'],
  ['http://[fd00:ec2::254]/', 'private address (fc00::/7)'],
  ['http://100.64.0.1/', 'carrier-grade NAT address (100.64.0.0/10)'],
  ['http://100.100.100.200/', 'carrier-grade NAT address (100.64.0.0/10)'],
  ['http://224.0.0.1/', 'multicast address (224.0.0.0/4)'],
  ['http://[ff02::1]/', 'multicast address (ff00::/8)'],
  ['http://0.0.0.0/', 'unspecified address (0.0.0.0/8)'],
  ['http://0/', 'unspecified address (0.0.0.0/8)'],
  ['http://[::]/', 'unspecified address (::/128)'],
  ['http://255.255.255.255/', 'broadcast address'],
  ['http://240.0.0.1/', 'reserved address'],
  ['http://8.8.8.8/', null],
  ['http://134744072/', null],
  ['https://93.184.216.34:8443/hooks', null],
  ['http://[2606:4700:4700::1111]/', null],
  ['http://[::ffff:8.8.8.8]/', null],
  ['http://[64:ff9b::808:808]/', null],
];

test('literal hosts: every spelling of an internal address is refused, with its rule named', () => {
  for (const [url, rule] of SPELLINGS) {
    const verdict = judgeHost(new URL(url).hostname);
    if (rule === null) assert.equal(verdict.problem, null, url);
    else assert.ok(verdict.problem?.includes(rule), `${url}: expected "${rule}", got ${verdict.problem}`);
  }
});

test('resolved addresses are judged the same way; names are left to DNS', () => {
  assert.match(internalAddress('10.9.8.7')!, /private address \(10\.0\.0\.0\/8\)/);
  assert.match(internalAddress('fe80::1%eth0')!, /link-local/);
  assert.match(internalAddress('not-an-address')!, /cannot be parsed/);
  assert.equal(internalAddress('1.1.1.1'), null);
  assert.deepEqual(judgeHost('hooks.example.com'), { kind: 'name', name: 'hooks.example.com', problem: null });
});

test('a name is refused when any address it resolves to is internal; one that does not resolve is left to delivery', async () => {
  const dns = (table: Record<string, string[]>) => async (name: string) => {
    if (!table[name]) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return table[name]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const resolve = dns({ 'public.test': ['93.184.216.34', '2606:2800:220:1::'], 'mixed.test': ['93.184.216.34', '10.0.0.5'], 'meta.test': ['169.254.169.254'] });
  assert.equal(await endpointUrlProblem('https://public.test/hooks', resolve), null);
  assert.match((await endpointUrlProblem('https://mixed.test/hooks', resolve))!, /resolves to a private address \(10\.0\.0\.0\/8\): 10\.0\.0\.5/);
  assert.match((await endpointUrlProblem('https://meta.test/', resolve))!, /resolves to a link-local address/);
  assert.equal(await endpointUrlProblem('https://nowhere.test/', resolve), null);
  assert.match((await endpointUrlProblem('http://0x7f.1/', resolve))!, /Host 127\.0\.0\.1 is a loopback address/);

  // The lookup deliveries connect through: the same verdicts, as a socket sees them.
  const lookup = guardedLookup(resolve);
  const look = (name: string, all: boolean) =>
    new Promise<unknown>((done, fail) => lookup(name, { all }, (error, address, family) => (error ? fail(error) : done(all ? address : [address, family]))));
  assert.deepEqual(await look('public.test', false), ['93.184.216.34', 4]);
  assert.equal(((await look('public.test', true)) as unknown[]).length, 2);
  await assert.rejects(look('mixed.test', true), (error: Error & { code?: string }) => error.code === 'EADDRREFUSED' && /10\.0\.0\.5/.test(error.message));
  await assert.rejects(look('nowhere.test', false), { code: 'ENOTFOUND' });
});
