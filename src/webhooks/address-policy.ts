/**
 * Where webhook deliveries may go: only globally routable unicast addresses, unless private
 * networks are allowed (development, tests). Pure classification; ./safe-lookup.ts resolves names
 * with it, the service checks endpoints at creation and the sender checks again at delivery.
 */
import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** How an admin reads each refused range; anything not named here but not `unicast` is "reserved". */
const KINDS: Record<string, string> = {
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  multicast: 'a multicast',
  linkLocal: 'a link-local',
  loopback: 'a loopback',
  carrierGradeNat: 'a carrier-grade NAT',
  private: 'a private',
  uniqueLocal: 'a private',
  deprecatedSiteLocal: 'a private',
};

/**
 * Why `address` (an IPv4 or IPv6 literal, brackets allowed) is refused, e.g. "a private address
 * (10.0.0.0/8)"; null when it is a public unicast address. Not an address at all: refused too.
 */
export function internalAddress(address: string): string | null {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // Zone ids (fe80::1%eth0) only exist on link-local addresses.
  const bare = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  if (!ipaddr.isValid(bare) || isIP(bare) === 0) return `an address that cannot be parsed (${address})`;
  return classify(ipaddr.parse(bare));
}

function classify(parsed: Address): string | null {
  const embedded = embeddedIPv4(parsed);
  if (embedded) return classify(embedded);
  const range = parsed.range();
  if (range === 'unicast') return null;
  return `${KINDS[range] ?? 'a reserved'} address (${cidrOf(parsed, range)})`;
}

/**
 * The IPv4 address inside an IPv6 one that carries it (::ffff:a.b.c.d, ::a.b.c.d, NAT64 64:ff9b::/96, 6to4):
 * judged as that IPv4 address, so ::ffff:127.0.0.1 is loopback and NAT64 of a public host passes.
 */
function embeddedIPv4(parsed: Address): ipaddr.IPv4 | null {
  if (parsed.kind() !== 'ipv6') return null;
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  const bytes = v6.toByteArray();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') return new ipaddr.IPv4(bytes.slice(12, 16));
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  // Deprecated IPv4-compatible ::a.b.c.d (but not :: and ::1, which have ranges of their own).
  if (range === 'unicast' && bytes.slice(0, 12).every((b) => b === 0)) return new ipaddr.IPv4(bytes.slice(12, 16));
  return null;
}

type RangeList = Record<string, [Address, number] | Array<[Address, number]>>;
const SPECIAL = {
  ipv4: (ipaddr.IPv4.prototype as unknown as { SpecialRanges: RangeList }).SpecialRanges,
  ipv6: (ipaddr.IPv6.prototype as unknown as { SpecialRanges: RangeList }).SpecialRanges,
};

/** The special range's CIDR that holds the address, e.g. 172.16.0.0/12. */
function cidrOf(parsed: Address, range: string): string {
  const entry = SPECIAL[parsed.kind()][range];
  const cidrs = entry === undefined ? [] : Array.isArray(entry[0]) ? (entry as Array<[Address, number]>) : [entry as [Address, number]];
  const match = cidrs.find(([base, bits]) => base.kind() === parsed.kind() && parsed.match(base, bits));
  return match ? `${match[0].toString()}/${match[1]}` : parsed.toString();
}

/** What the URL's host is, as far as it can be told without DNS. */
export type HostVerdict = { kind: 'address'; problem: string | null } | { kind: 'name'; problem: string | null; name: string };

/**
 * Judges a WHATWG URL's `hostname`. The URL parser has already turned 2130706433, 0x7f.1,
 * 017700000001 and 127.1 into 127.0.0.1, so literals are classified as written; `localhost` and
 * names under it are loopback by definition (RFC 6761), whatever a resolver says.
 */
export function judgeHost(hostname: string): HostVerdict {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (isIP(host) !== 0) return { kind: 'address', problem: internalAddress(host) };
  const name = host.replace(/\.$/, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return { kind: 'name', name, problem: 'a loopback name (localhost)' };
  return { kind: 'name', name, problem: null };
}

/** The message an admin gets when the URL is refused; it names the rule and how to lift it. */
export function refusal(host: string, problem: string, resolved?: string): string {
  const target = resolved ? `resolves to ${problem}: ${resolved}` : `is ${problem}`;
  return `Host ${host} ${target}; webhooks may only reach public addresses (USERPLANE_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true lifts this for development)`;
}
