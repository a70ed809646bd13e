/**
 * Outbound HTTP with SSRF protection, for the two places this service calls a URL a user gave it:
 * subscriber deliveries (hook `target_url`) and the preflight download of image/audio URLs that are
 * forwarded to Kling.
 *
 * Rules (conventions §4.5): https only; no credentials in the URL; at most 2048 characters; the host must
 * resolve only to public addresses — loopback, private, link-local (cloud metadata), CGNAT, multicast,
 * documentation and reserved ranges are refused. The check runs on the URL, again on every address DNS
 * returns *at connect time* (the socket connects to the very address that was checked, so DNS
 * rebinding cannot swap it afterwards), and on every redirect hop. `OUTBOUND_ALLOWLIST` names hosts,
 * addresses or CIDR ranges exempt from these rules (plain http included), for local testing.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';

export const MAX_URL_LENGTH = 2048;

export class OutboundBlockedError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`Refused outbound URL: ${reason}`);
    this.name = 'OutboundBlockedError';
    this.reason = reason;
  }
}

/** Ranges that are never a public destination. */
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const BLOCKED_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo included)
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (fd00:ec2::254 metadata included)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [network, prefix] of BLOCKED_V4) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of BLOCKED_V6) blocked.addSubnet(network, prefix, 'ipv6');

/** The eight 16-bit groups of an IPv6 address, or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, -dotted[1]!.length)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((group) =>
    Number.parseInt(group, 16),
  );
  return groups.length === 8 && groups.every((group) => group >= 0 && group <= 0xffff) ? groups : undefined;
}

function v4FromGroups(high: number, low: number): string {
  return `${high >>> 8}.${high & 0xff}.${low >>> 8}.${low & 0xff}`;
}

/** IPv4 addresses embedded in IPv6 forms that route to IPv4 (mapped, compatible, NAT64, 6to4). */
function embeddedIPv4(groups: number[]): string | undefined {
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4FromGroups(groups[6]!, groups[7]!); // ::ffff:a.b.c.d
  if (zeros(0, 6) && (groups[6] !== 0 || groups[7]! > 1)) return v4FromGroups(groups[6]!, groups[7]!); // ::a.b.c.d
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4FromGroups(groups[6]!, groups[7]!); // NAT64
  if (groups[0] === 0x2002) return v4FromGroups(groups[1]!, groups[2]!); // 6to4
  return undefined;
}

/** True when `address` (an IP literal) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family === 6) {
    const groups = ipv6Groups(address);
    if (!groups) return false;
    const v4 = embeddedIPv4(groups);
    if (v4 !== undefined) return isPublicAddress(v4);
    const canonical = groups.map((group) => group.toString(16)).join(':');
    return !blocked.check(canonical, 'ipv6');
  }
  return false;
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

export interface OutboundPolicyOptions {
  /** Hosts (`localhost`), addresses (`127.0.0.1`) or CIDR ranges (`10.0.0.0/8`) exempt from the rules. */
  allowList?: readonly string[];
  /** DNS, injectable for tests. */
  resolve?: Resolver;
}

export class OutboundPolicy {
  readonly #allowHosts = new Set<string>();
  readonly #allowRanges = new BlockList();
  #hasRanges = false;
  readonly #resolve: Resolver;

  constructor(options: OutboundPolicyOptions = {}) {
    this.#resolve = options.resolve ?? systemResolver;
    for (const raw of options.allowList ?? []) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const slash = entry.indexOf('/');
      const address = stripBrackets(slash >= 0 ? entry.slice(0, slash) : entry);
      const family = isIP(address);
      if (family) {
        const prefix = slash >= 0 ? Number(entry.slice(slash + 1)) : family === 4 ? 32 : 128;
        this.#allowRanges.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
        this.#hasRanges = true;
      } else {
        this.#allowHosts.add(entry);
      }
    }
  }

  #hostAllowListed(hostname: string): boolean {
    return this.#allowHosts.has(stripBrackets(hostname).toLowerCase());
  }

  #addressAllowListed(address: string): boolean {
    if (!this.#hasRanges) return false;
    const family = isIP(address);
    if (!family) return false;
    return this.#allowRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** Whether an address may be connected to for `hostname`. */
  addressAllowed(hostname: string, address: string): boolean {
    return this.#hostAllowListed(hostname) || this.#addressAllowListed(address) || isPublicAddress(address);
  }

  /**
   * Form checks only (no DNS): scheme, credentials, length, literal addresses. Returns the parsed URL.
   * Throws `OutboundBlockedError`.
   */
  checkUrlForm(value: string): URL {
    if (typeof value !== 'string' || value.length === 0) throw new OutboundBlockedError('empty URL');
    if (value.length > MAX_URL_LENGTH)
      throw new OutboundBlockedError(`URL longer than ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new OutboundBlockedError('not an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new OutboundBlockedError(`scheme ${url.protocol} is not allowed; use https`);
    }
    if (url.username || url.password) throw new OutboundBlockedError('credentials in URLs are not allowed');
    const hostname = stripBrackets(url.hostname);
    if (!hostname) throw new OutboundBlockedError('URL has no host');
    const literal = isIP(hostname) !== 0;
    const exempt = this.#hostAllowListed(hostname) || (literal && this.#addressAllowListed(hostname));
    if (url.protocol === 'http:' && !exempt) throw new OutboundBlockedError('only https URLs are allowed');
    if (literal && !this.addressAllowed(hostname, hostname)) {
      throw new OutboundBlockedError(`${hostname} is not a public address`);
    }
    return url;
  }

  /** Form checks plus DNS: every address the host resolves to must be allowed. */
  async checkUrl(value: string): Promise<URL> {
    const url = this.checkUrlForm(value);
    const hostname = stripBrackets(url.hostname);
    if (isIP(hostname) || this.#hostAllowListed(hostname)) return url;
    let addresses: LookupAddress[];
    try {
      addresses = await this.#resolve(hostname);
    } catch (error) {
      throw new OutboundBlockedError(
        `${hostname} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`,
      );
    }
    if (addresses.length === 0) throw new OutboundBlockedError(`${hostname} does not resolve`);
    for (const { address } of addresses) {
      if (!this.addressAllowed(hostname, address)) {
        throw new OutboundBlockedError(`${hostname} resolves to ${address}, which is not a public address`);
      }
    }
    return url;
  }

  /**
   * A `lookup` for sockets: resolves, then refuses the connection if any address is not allowed, so the
   * address connected to is the address checked.
   */
  readonly guardedLookup = (
    hostname: string,
    options: LookupOptions,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    this.#resolve(hostname).then(
      (addresses) => {
        const wanted =
          options.family === 4 || options.family === 6
            ? addresses.filter((entry) => entry.family === options.family)
            : addresses;
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '');
          return;
        }
        for (const { address } of wanted) {
          if (!this.addressAllowed(hostname, address)) {
            callback(
              Object.assign(
                new OutboundBlockedError(`${hostname} resolves to ${address}, which is not a public address`),
                {
                  code: 'EBLOCKED',
                },
              ),
              '',
            );
            return;
          }
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  /** An undici dispatcher whose every connection goes through `guardedLookup`. */
  createAgent(options: { connections?: number; timeoutMs?: number } = {}): Agent {
    return new Agent({
      connect: { lookup: this.guardedLookup as never, timeout: options.timeoutMs ?? 10_000 },
      connections: options.connections ?? 16,
      keepAliveTimeout: 10_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /**
   * A `fetch` for downloading user-supplied media: redirects are followed by hand (at most 5) and each
   * hop is checked like the first URL. Used as core's probe transport.
   */
  createMediaFetch(dispatcher: Dispatcher): typeof fetch {
    return (async (input: string | URL | Request, init?: RequestInit) => {
      let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      for (let hop = 0; hop <= 5; hop++) {
        await this.checkUrl(url);
        const response = await undiciFetch(url, {
          ...(init as object),
          redirect: 'manual',
          dispatcher,
        } as never);
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          await response.body?.cancel().catch(() => {});
          url = new URL(location, url).href;
          continue;
        }
        return response as unknown as Response;
      }
      throw new OutboundBlockedError('too many redirects');
    }) as typeof fetch;
  }
}
