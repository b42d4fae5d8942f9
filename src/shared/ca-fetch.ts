/**
 * `--ca FILE` for the client and the Node volunteer: a `fetch` for the broker that trusts these CA
 * certificates (PEM) instead of the system's, for a deployment with its own CA. Node 20's global fetch takes
 * no CA and `tls.setDefaultCACertificates` came only in Node 22, so this is the part of fetch the broker
 * client uses (method, headers, a string body, a signal; status, headers, a streamed body) on node:https.
 * Plain `http:` URLs go to the global fetch.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { Readable } from 'node:stream';

/** Reads a PEM file of one or more CA certificates; throws with the file's name when it holds none. */
export async function readCaFile(file: string): Promise<string> {
  const pem = await readFile(file, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${file} holds no PEM certificate`);
  return pem;
}

export function caFetch(ca: string): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.protocol !== 'https:') return globalThis.fetch(input, init);
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (init.body != null && body === undefined) throw new TypeError('caFetch sends string bodies only');
    if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers),
          ca,
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
