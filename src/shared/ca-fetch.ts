/**
 * The part of fetch the broker client uses (method, headers, a string or byte body, a signal; status,
 * headers, a streamed body) on node:https, for what Node 20's global fetch cannot do:
 * - `--ca FILE`: trust these CA certificates (PEM) instead of the system's, for a deployment with its own CA
 *   (Node 20's fetch takes no CA, and `tls.setDefaultCACertificates` came only in Node 22);
 * - `--front HOST[:PORT]`: domain fronting (issue 12). TLS goes to the front, with the front's name as SNI
 *   and its certificate checked for that name; the request inside names the real broker in its Host header,
 *   which the front (a CDN, or a reverse proxy standing in for one) routes on.
 * Plain `http:` URLs go to the global fetch, except through a front, which is always reached over TLS.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';

/** Reads a PEM file of one or more CA certificates; throws with the file's name when it holds none. */
export async function readCaFile(file: string): Promise<string> {
  const pem = await readFile(file, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${file} holds no PEM certificate`);
  return pem;
}

/** A front: where TLS goes, and the name it is checked for (and sent as SNI unless it is an address). */
export interface Front {
  host: string;
  port: number;
}

/** `HOST[:PORT]` (`[v6]:PORT` for an IPv6 address) as a Front; the port defaults to 443. */
export function parseFront(text: string): Front {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]/\s]+))(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? 443 : Number(m[3]);
  if (m === null || port < 1 || port > 65_535) throw new TypeError(`a front is HOST[:PORT], not ${text}`);
  return { host: m[1] ?? m[2]!, port };
}

export function caFetch(ca: string): typeof fetch {
  return nodeHttpsFetch({ ca });
}

/** A fetch through `front`; with `ca` (PEM), the front's certificate must chain to it. */
export function frontFetch(front: Front, ca?: string): typeof fetch {
  return nodeHttpsFetch(ca === undefined ? { front } : { front, ca });
}

function nodeHttpsFetch(options: { ca?: string; front?: Front }): typeof fetch {
  const { ca, front } = options;
  return async (input, init = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.protocol !== 'https:' && front === undefined) return globalThis.fetch(input, init);
    const headers = new Headers(init.headers);
    const body =
      typeof init.body === 'string'
        ? Buffer.from(init.body)
        : init.body instanceof Uint8Array
          ? init.body
          : undefined;
    if (init.body != null && body === undefined)
      throw new TypeError('this fetch sends string or byte bodies only');
    if (body !== undefined) headers.set('content-length', String(body.byteLength));
    const target =
      front === undefined
        ? { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 443 : Number(url.port) }
        : front;
    // The Host header names the broker (with its port when not the default), whatever TLS connects to.
    headers.set('host', url.host);
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        {
          host: target.host,
          port: target.port,
          path: `${url.pathname}${url.search}`,
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers),
          // Unset, Node takes SNI from the Host header: the broker's name, which a front must not show.
          // RFC 6066: SNI carries names only, so a front given as an address gets none ('') and its
          // certificate is checked for that address.
          ...(front === undefined ? {} : { servername: isIP(front.host) === 0 ? front.host : '' }),
          ...(ca === undefined ? {} : { ca }),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
              out.append(name, v);
          }
          const status = res.statusCode ?? 502;
          const empty = status === 204 || status === 304 || init.method === 'HEAD';
          if (empty) res.resume();
          const stream = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: out }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
}
