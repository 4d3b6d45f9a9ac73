import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StillframeError } from '../../shared/errors';
import { assertSafeUrl, isBlockedAddress, safeFetch, untrustedAddressMessage, type LookupAll } from './safe-url';

async function refusal(promise: Promise<unknown>): Promise<StillframeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof StillframeError)) throw new Error(`expected a StillframeError, got ${String(error)}`);
  expect(error).toMatchObject({ code: 'unsafe-address', message: untrustedAddressMessage });
  return error;
}

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    'fec0::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:192.168.0.1',
    '::ffff:169.254.169.254',
    '::ffff:7f00:1',
    '::ffff:a00:1',
    '0:0:0:0:0:ffff:7f00:1',
    '::ffff:0:10.0.0.1',
    '::127.0.0.1',
    '::8.8.8.8',
    '64:ff9b::10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '2002:c0a8:101::1',
    '2002:7f00:1::',
    'localhost',
    'not an address',
    '',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '13.33.21.7',
    '100.63.255.255',
    '100.128.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '169.253.0.1',
    '192.167.1.1',
    '11.0.0.1',
    '223.255.255.254',
    '2606:4700:4700::1111',
    '2a00:1450:4001:82b::200e',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    'fe00::1',
  ])('allows %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('assertSafeUrl', () => {
  const policy = { trustedOrigin: 'http://127.0.0.1:4000' };
  const resolvingTo =
    (...addresses: string[]): LookupAll =>
    () =>
      Promise.resolve(addresses.map((address) => ({ address })));

  it('trusts the configured origin as given, and nothing else on that host', async () => {
    await expect(assertSafeUrl(new URL('http://127.0.0.1:4000/sessions/a.mp4?Signature=x'), policy)).resolves.toBeUndefined();
    await refusal(assertSafeUrl(new URL('http://127.0.0.1:4001/sessions/a.mp4'), policy));
    await refusal(assertSafeUrl(new URL('https://127.0.0.1:4000/sessions/a.mp4'), policy));
  });

  it.each([
    'http://cdn.loom.com/sessions/a.mp4',
    'file:///etc/passwd',
    'data:video/mp4;base64,AAAA',
    'ftp://cdn.loom.com/a.mp4',
    'javascript:alert(1)',
    'https://user:pw@cdn.loom.com/a.mp4',
    'https://10.0.0.1/video.mp4',
    'https://127.0.0.1/video.mp4',
    'https://0x7f.1/video.mp4',
    'https://2130706433/video.mp4',
    'https://[::1]/video.mp4',
    'https://[::ffff:127.0.0.1]/video.mp4',
    'https://[::ffff:a00:1]/video.mp4',
    'https://[fd00::1]/video.mp4',
    'https://[fe80::1]/video.mp4',
    'https://169.254.169.254/latest/meta-data',
    'https://100.100.100.200/latest/meta-data',
  ])('refuses %s without looking anything up', async (address) => {
    const lookup = (): never => {
      throw new Error('no look-up expected');
    };
    await refusal(assertSafeUrl(new URL(address), { ...policy, lookup }));
  });

  it('refuses a host when any of its addresses is private', async () => {
    const url = new URL('https://cdn.example.test/video.mp4');
    await expect(assertSafeUrl(url, { ...policy, lookup: resolvingTo('13.33.21.7', '2606:4700::1') })).resolves.toBeUndefined();
    const error = await refusal(assertSafeUrl(url, { ...policy, lookup: resolvingTo('13.33.21.7', '10.1.2.3') }));
    expect(error.detail).toContain('10.1.2.3');
    await refusal(assertSafeUrl(url, { ...policy, lookup: resolvingTo('::ffff:192.168.0.10') }));
    await refusal(assertSafeUrl(url, { ...policy, lookup: resolvingTo('fe80::abcd') }));
    await refusal(assertSafeUrl(url, { ...policy, lookup: resolvingTo() }));
  });

  it('looks names up with the system resolver by default (localhost is loopback)', async () => {
    await refusal(assertSafeUrl(new URL('https://localhost/video.mp4'), policy));
  });

  it('keeps the signed query out of the error detail', async () => {
    const error = await refusal(assertSafeUrl(new URL('https://10.0.0.1/v.mp4?Signature=secret'), policy));
    expect(error.detail).toContain('https://10.0.0.1/v.mp4');
    expect(error.detail).not.toContain('secret');
  });

  it('passes a failed look-up on as a system error, so the caller may retry', async () => {
    const lookup: LookupAll = () => Promise.reject(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }));
    await expect(assertSafeUrl(new URL('https://cdn.example.test/a.mp4'), { ...policy, lookup })).rejects.toMatchObject({
      code: 'EAI_AGAIN',
    });
  });
});

describe('safeFetch', () => {
  let trusted: Server;
  let other: Server;
  let trustedOrigin = '';
  let otherOrigin = '';
  const otherHits: string[] = [];

  beforeAll(async () => {
    other = createServer((request, response) => {
      otherHits.push(request.url ?? '');
      response.end('internal');
    });
    trusted = createServer((request, response) => {
      const url = new URL(request.url ?? '/', trustedOrigin);
      const hops = Number(url.searchParams.get('hops') ?? '0');
      if (url.pathname === '/chain') {
        response.writeHead(302, { location: hops > 0 ? `/chain?hops=${hops - 1}` : '/done' });
        response.end();
      } else if (url.pathname === '/away') {
        response.writeHead(307, { location: `${otherOrigin}/secret` });
        response.end();
      } else if (url.pathname === '/to-file') {
        response.writeHead(302, { location: 'file:///etc/passwd' });
        response.end();
      } else {
        response.end(`done ${request.method} ${request.headers.authorization ?? ''}`);
      }
    });
    for (const server of [trusted, other]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    trustedOrigin = `http://127.0.0.1:${(trusted.address() as AddressInfo).port}`;
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const server of [trusted, other]) await new Promise((resolve) => server.close(resolve));
  });

  const options = () => ({ policy: { trustedOrigin }, trustedHeaders: { authorization: 'Bearer key' } });

  it('follows redirects within the trusted origin, up to five', async () => {
    const response = await safeFetch(`${trustedOrigin}/chain?hops=4`, {}, options());
    expect(await response.text()).toBe('done GET Bearer key');
  });

  it('gives up after five redirects', async () => {
    const error = await refusal(safeFetch(`${trustedOrigin}/chain?hops=5`, {}, options()));
    expect(error.detail).toContain('more than 5 redirects');
  });

  it('refuses a redirect to another port on the same loopback address, before connecting to it', async () => {
    await refusal(safeFetch(`${trustedOrigin}/away`, {}, options()));
    expect(otherHits).toEqual([]);
  });

  it('refuses a redirect to a file: address', async () => {
    await refusal(safeFetch(`${trustedOrigin}/to-file`, {}, options()));
  });

  it('sends the API key to the trusted origin only, and turns a POST into a GET on a 303', async () => {
    const seen: { url: string; method: string; authorization: string | null }[] = [];
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      const headers = new Headers(init?.headers);
      seen.push({ url, method: init?.method ?? 'GET', authorization: headers.get('authorization') });
      if (url.startsWith(trustedOrigin)) return new Response(null, { status: 303, headers: { location: 'https://13.33.21.7/v.mp4' } });
      return new Response('video');
    }) as typeof fetch;
    const response = await safeFetch(`${trustedOrigin}/api`, { method: 'POST', body: '{}' }, { ...options(), fetch: fakeFetch });
    expect(await response.text()).toBe('video');
    expect(seen).toEqual([
      { url: `${trustedOrigin}/api`, method: 'POST', authorization: 'Bearer key' },
      { url: 'https://13.33.21.7/v.mp4', method: 'GET', authorization: null },
    ]);
  });

  it('checks every hop of a redirect chain that leaves the trusted origin', async () => {
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = String(input);
      if (url === 'https://13.33.21.7/first') return new Response(null, { status: 302, headers: { location: 'https://[::ffff:10.0.0.1]/x' } });
      return new Response(null, { status: 302, headers: { location: 'https://13.33.21.7/first' } });
    }) as typeof fetch;
    const error = await refusal(safeFetch(`${trustedOrigin}/start`, {}, { ...options(), fetch: fakeFetch }));
    expect(error.detail).toContain('not a public address');
  });
});
