import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Agent, fetch as undiciFetchType } from 'undici';
import { StillframeError } from '../../shared/errors';

export type LookupAll = (hostname: string) => Promise<readonly { address: string }[]>;

export interface SafeUrlPolicy {
  /**
   * Origin of the configured Loom base address. It is the one place trusted as given; everything else a response
   * points at must be https and reach only public addresses.
   */
  trustedOrigin: string;
  lookup?: LookupAll;
}

export interface SafeFetchOptions {
  policy: SafeUrlPolicy;
  fetch?: typeof fetch;
  maxRedirects?: number;
  /** Headers (an API key) sent only to the trusted origin, never to a host a redirect leads to. */
  trustedHeaders?: Readonly<Record<string, string>>;
}

export const untrustedAddressMessage =
  'Loom gave a download address that Stillframe does not trust, so nothing was downloaded.';

const defaultMaxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * undici from npm, with a connection pool of its own, rather than the copy bundled in Node 24: that one kills the
 * process with an uncatchable assert(!this.paused) when a server closes the connection while a body waits unread under
 * back-pressure (nodejs/undici#5360), which a busy event loop is enough to cause. The pool is its own because the
 * global one may be Node's, installed by whichever fetch ran first. Loaded at the first request: undici is a third of
 * the CLI's start-up, which every `stillframe ingest` of local files would otherwise pay for nothing.
 */
let client: Promise<{ fetch: typeof undiciFetchType; pool: Agent }> | null = null;
export const httpFetch: typeof fetch = async (input, init) => {
  client ??= import('undici').then((undici) => ({ fetch: undici.fetch, pool: new undici.Agent() }));
  const { fetch: undiciFetch, pool } = await client;
  return undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...init, dispatcher: pool } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
};

const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

function ipv6Bytes(text: string): number[] {
  let address = text;
  // A dotted IPv4 tail (::ffff:10.0.0.1) becomes the two hex groups it stands for.
  const tailStart = address.lastIndexOf(':') + 1;
  const tail = address.slice(tailStart);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(tail);
    address = `${address.slice(0, tailStart)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros: string[] = Array.from({ length: 8 - headGroups.length - restGroups.length }, () => '0');
  return [...headGroups, ...zeros, ...restGroups].flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function isBlockedIpv4(bytes: readonly number[]): boolean {
  const [a = 0, b = 0] = bytes;
  return (
    a === 0 || // "this network", including the unspecified 0.0.0.0
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b < 128) || // carrier-grade NAT, where some clouds keep metadata services
    (a === 169 && b === 254) || // link-local, where cloud metadata services live
    (a === 172 && b >= 16 && b < 32) ||
    (a === 192 && b === 168) ||
    a >= 224 // multicast, reserved and broadcast: never a download server
  );
}

function allZero(bytes: readonly number[], from: number, to: number): boolean {
  return bytes.slice(from, to).every((byte) => byte === 0);
}

function isBlockedIpv6(bytes: readonly number[]): boolean {
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = bytes;
  const lastFour = bytes.slice(12, 16);
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d) addresses reach the IPv4 host they name.
  if (allZero(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return isBlockedIpv4(lastFour);
  if (allZero(bytes, 0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && allZero(bytes, 10, 12)) {
    return isBlockedIpv4(lastFour);
  }
  // ::/96 holds the unspecified address, loopback and the deprecated IPv4-compatible form; none is a server.
  if (allZero(bytes, 0, 12)) return true;
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that a gateway will connect to.
  if (b0 === 0x00 && b1 === 0x64 && b2 === 0xff && b3 === 0x9b && allZero(bytes, 4, 12)) return isBlockedIpv4(lastFour);
  if (b0 === 0x20 && b1 === 0x02) return isBlockedIpv4(bytes.slice(2, 6));
  return (
    (b0 & 0xfe) === 0xfc || // unique local fc00::/7
    (b0 === 0xfe && (b1 & 0xc0) === 0x80) || // link-local fe80::/10
    (b0 === 0xfe && (b1 & 0xc0) === 0xc0) || // site-local fec0::/10, deprecated but still routed by some networks
    b0 === 0xff // multicast
  );
}

/** True for addresses a download must never reach: anything not a public unicast address, and anything unparseable. */
export function isBlockedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  switch (isIP(bare)) {
    case 4:
      return isBlockedIpv4(ipv4Bytes(bare));
    case 6:
      return isBlockedIpv6(ipv6Bytes(bare));
    default:
      return true;
  }
}

/** The address without its query, whose signature is a credential that should not land in logs. */
function describe(url: URL): string {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} address`;
  return `${url.origin}${url.pathname}`;
}

function refuse(url: URL, reason: string): StillframeError {
  return new StillframeError('unsafe-address', untrustedAddressMessage, `${reason}: ${describe(url)}`);
}

/**
 * Refuses an address a response supplied unless it is on the trusted origin, or is https on a host whose every
 * address is public. Rejects with a plain system error when the name cannot be looked up, so callers may retry.
 */
export async function assertSafeUrl(url: URL, policy: SafeUrlPolicy): Promise<void> {
  if (url.origin !== 'null' && url.origin === policy.trustedOrigin) return;
  if (url.protocol !== 'https:') throw refuse(url, `${url.protocol} is not allowed, only https:`);
  if (url.username !== '' || url.password !== '') throw refuse(url, 'addresses with credentials are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    if (isBlockedAddress(host)) throw refuse(url, `${host} is not a public address`);
    return;
  }
  const addresses = await (policy.lookup ?? systemLookup)(host);
  if (addresses.length === 0) throw refuse(url, `${host} has no address`);
  const blocked = addresses.find((entry) => isBlockedAddress(entry.address));
  if (blocked !== undefined) throw refuse(url, `${host} resolves to ${blocked.address}, which is not a public address`);
}

/**
 * fetch that checks the address before every hop and follows at most a few redirects itself, so a trusted endpoint
 * cannot bounce the app to a private address. What remains is DNS rebinding between the check and fetch's own lookup,
 * which only a pinned-address agent could close.
 */
export async function safeFetch(target: string | URL, init: RequestInit, options: SafeFetchOptions): Promise<Response> {
  const { policy, trustedHeaders = {} } = options;
  const fetchImpl = options.fetch ?? httpFetch;
  const maxRedirects = options.maxRedirects ?? defaultMaxRedirects;
  let url = new URL(target);
  let method = init.method ?? 'GET';
  let body = init.body;
  for (let hop = 0; ; hop += 1) {
    await assertSafeUrl(url, policy);
    const headers = new Headers(init.headers);
    if (url.origin === policy.trustedOrigin) {
      for (const [name, value] of Object.entries(trustedHeaders)) headers.set(name, value);
    }
    const response = await fetchImpl(url, { ...init, method, body, headers, redirect: 'manual' });
    const location = response.headers.get('location');
    if (!redirectStatuses.has(response.status) || location === null) return response;
    await response.body?.cancel();
    if (hop >= maxRedirects) throw refuse(url, `more than ${maxRedirects} redirects`);
    const next = URL.parse(location, url.href);
    if (next === null) throw refuse(url, 'a redirect to an address that cannot be read');
    url = next;
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}
