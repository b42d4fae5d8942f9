/**
 * The destination of end-to-end tests: a local HTTP server with seeded bodies, plus clients that reach it
 * through a SOCKS5 or HTTP proxy and hash what they get.
 */
import { createHash } from 'node:crypto';
import { createServer, type RequestOptions, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listen } from '../../src/shared/listen.js';

const CHUNK = 64 * 1024;
/** How long socksConnect waits for the proxy's replies (idle time on the socket), ms. */
const SOCKS_REPLY_TIMEOUT_MS = 20_000;

/** Bytes i*CHUNK.. of the seeded stream: cheap, deterministic, not compressible. */
function chunkAt(index: number): Buffer {
  const b = Buffer.allocUnsafe(CHUNK);
  let x = (index * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < CHUNK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}

export function seededSha(bytes: number): string {
  const h = createHash('sha256');
  for (let off = 0, i = 0; off < bytes; off += CHUNK, i++)
    h.update(chunkAt(i).subarray(0, Math.min(CHUNK, bytes - off)));
  return h.digest('hex');
}

/** GET /bytes/N streams N seeded bytes; POST /sha answers the sha256 of the body. */
export async function startTarget(): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const m = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && m) {
      const total = Number(m[1]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
      let off = 0;
      let i = 0;
      const pump = () => {
        while (off < total) {
          const c = chunkAt(i++).subarray(0, Math.min(CHUNK, total - off));
          off += c.length;
          if (!res.write(c)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.method === 'POST' && req.url === '/sha') {
      const h = createHash('sha256');
      req.on('data', (d: Buffer) => h.update(d));
      req.on('end', () => res.end(h.digest('hex')));
      return;
    }
    res.writeHead(404).end('not found');
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    server,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Opens a SOCKS5 CONNECT; resolves with the socket or rejects with the reply code as `code`, or with an
 * error if the proxy stays silent for SOCKS_REPLY_TIMEOUT_MS.
 */
export function socksConnect(proxyPort: number, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(proxyPort, '127.0.0.1');
    const hostBytes = Buffer.from(host);
    let stage = 0;
    let buf = Buffer.alloc(0);
    const onTimeout = (): void => {
      s.destroy(new Error(`SOCKS proxy: no reply within ${SOCKS_REPLY_TIMEOUT_MS} ms`));
    };
    s.setTimeout(SOCKS_REPLY_TIMEOUT_MS, onTimeout);
    s.once('error', reject);
    s.once('close', () => reject(Object.assign(new Error('proxy closed the connection'), { code: -1 })));
    s.on('connect', () => {
      s.write(Buffer.from([5, 1, 0]));
      const req = Buffer.alloc(7 + hostBytes.length);
      req.set([5, 1, 0, 3, hostBytes.length], 0);
      hostBytes.copy(req, 5);
      req.writeUInt16BE(port, 5 + hostBytes.length);
      s.write(req);
    });
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 0 && buf.length >= 2) {
        buf = buf.subarray(2);
        stage = 1;
      }
      if (stage === 1 && buf.length >= 10) {
        s.off('data', onData);
        s.setTimeout(0);
        s.off('timeout', onTimeout);
        s.removeAllListeners('close');
        s.removeAllListeners('error');
        if (buf[1] !== 0) {
          s.destroy();
          reject(Object.assign(new Error(`SOCKS reply ${buf[1]}`), { code: buf[1] }));
          return;
        }
        const rest = buf.subarray(10);
        if (rest.length > 0) s.unshift(rest);
        resolve(s);
      }
    };
    s.on('data', onData);
  });
}

/** An http.request `createConnection` that opens the connection through the SOCKS5 proxy. */
function throughSocks(
  proxyPort: number,
  host: string,
  port: number,
): NonNullable<RequestOptions['createConnection']> {
  return (_opts, cb) => {
    socksConnect(proxyPort, host, port).then(
      (s) => cb(null, s),
      (e: Error) => cb(e, undefined as unknown as Socket),
    );
    return undefined;
  };
}

export interface Fetched {
  status: number;
  sha: string;
  bytes: number;
  body: string;
}

function collect(res: import('node:http').IncomingMessage): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    const head: Buffer[] = [];
    res.on('data', (d: Buffer) => {
      h.update(d);
      bytes += d.length;
      if (bytes <= 4096) head.push(d);
    });
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        sha: h.digest('hex'),
        bytes,
        body: Buffer.concat(head).toString(),
      }),
    );
    res.on('error', reject);
  });
}

/**
 * GET through the SOCKS5 proxy (socks5h: the proxy resolves the name). These requests must not set `agent`:
 * with `agent: false` Node makes a fresh Agent, which ignores `createConnection` and connects directly.
 */
export function getViaSocks(
  proxyPort: number,
  host: string,
  port: number,
  path: string,
  progress?: Progress,
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request({
      host,
      port,
      path,
      createConnection: throughSocks(proxyPort, host, port),
    });
    req.on('response', (res) => {
      if (progress) res.on('data', (d: Buffer) => progress(d.length));
      collect(res).then(resolve, reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET or POST with an absolute URI through the HTTP proxy. */
export function viaHttpProxy(
  proxyPort: number,
  url: string,
  method = 'GET',
  body?: Buffer,
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, path: url, method, agent: false });
    req.on('response', (res) => collect(res).then(resolve, reject));
    req.on('error', reject);
    req.end(body);
  });
}

/** Progress observer: called with the byte count of every chunk that moves. */
export type Progress = (bytes: number) => void;

/** GET `bytes` seeded bytes through SOCKS5, reporting progress per chunk. */
export function downloadViaSocks(
  proxyPort: number,
  port: number,
  bytes: number,
  progress: Progress,
): Promise<Fetched> {
  return getViaSocks(proxyPort, '127.0.0.1', port, `/bytes/${bytes}`, progress);
}

/** POSTs `bytes` seeded bytes to /sha through SOCKS5; resolves with the server's sha256 of what it got. */
export function uploadViaSocks(
  proxyPort: number,
  port: number,
  bytes: number,
  progress: Progress,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/sha',
      method: 'POST',
      headers: { 'content-length': bytes },
      createConnection: throughSocks(proxyPort, '127.0.0.1', port),
    });
    req.on('response', (res) => collect(res).then((r) => resolve(r.body), reject));
    req.on('error', reject);
    let off = 0;
    let i = 0;
    const pump = () => {
      while (off < bytes) {
        const c = chunkAt(i++).subarray(0, Math.min(CHUNK, bytes - off));
        off += c.length;
        const more = req.write(c, () => progress(c.length));
        if (!more) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** GET `url` directly (no proxy, no keep-alive) and parse its body as JSON. */
export function getJson<T>(url: string | URL): Promise<T> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      collect(res).then((got) => {
        try {
          resolve(JSON.parse(got.body) as T);
        } catch (e) {
          reject(e);
        }
      }, reject);
    })
      .on('error', reject)
      .end();
  });
}
