/**
 * The destination of tunnel benchmarks: a raw TCP server on 127.0.0.1 that costs as little CPU as possible,
 * so the figures measure Starling and not the test server. One command line per connection:
 *   `SRC n\n`  the server sends n bytes (slices of one random buffer) and closes;
 *   `SNK n\n`  the server reads n bytes, answers `OK\n` and closes;
 *   `ECHO\n`   the server echoes every byte back.
 * The client side helpers time what moves through a SOCKS5 proxy (the Starling client).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { socksConnect } from '../../test/helpers/http-target.js';

const BLOCK = randomBytes(1024 * 1024);
const WRITE_BYTES = 64 * 1024;

export interface TcpTarget {
  port: number;
  close(): Promise<void>;
}

function serve(sock: Socket): void {
  sock.setNoDelay(true);
  let head = '';
  const onData = (d: Buffer): void => {
    head += d.toString('latin1');
    const nl = head.indexOf('\n');
    if (nl < 0) {
      if (head.length > 64) sock.destroy();
      return;
    }
    sock.off('data', onData);
    const [cmd, arg] = head.slice(0, nl).split(' ');
    const rest = d.subarray(d.length - (head.length - nl - 1));
    const n = Number(arg);
    if (cmd === 'SRC') source(sock, n);
    else if (cmd === 'SNK') sink(sock, n, rest.length);
    else if (cmd === 'ECHO') {
      if (rest.length > 0) sock.write(rest);
      sock.pipe(sock);
    } else sock.destroy();
  };
  sock.on('data', onData);
  sock.on('error', () => sock.destroy());
}

function source(sock: Socket, total: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const off = sent % BLOCK.length;
      const n = Math.min(WRITE_BYTES, total - sent, BLOCK.length - off);
      sent += n;
      if (!sock.write(BLOCK.subarray(off, off + n))) return void sock.once('drain', pump);
    }
    sock.end();
  };
  pump();
}

function sink(sock: Socket, total: number, already: number): void {
  let got = already;
  const check = (): void => {
    if (got >= total) {
      sock.off('data', onData);
      sock.end('OK\n');
    }
  };
  const onData = (d: Buffer): void => {
    got += d.length;
    check();
  };
  sock.on('data', onData);
  check();
}

/** Listens on `host`:`port` (default 127.0.0.1 and a port the OS picks; the lab's servers bind theirs). */
export async function startTcpTarget(host = '127.0.0.1', port = 0): Promise<TcpTarget> {
  const server: Server = createServer(serve);
  server.listen(port, host);
  await once(server, 'listening');
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : 0;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port: bound,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Download {
  bytes: number;
  /** From the request to the last byte, ms. */
  ms: number;
  /** From the request to the first byte, ms. */
  firstByteMs: number;
  /** Longest gap between two received chunks after the first, ms. */
  maxGapMs: number;
}

/** Opens a stream through the SOCKS5 proxy; rejects after `timeoutMs` (and closes a socket that comes later). */
export async function openVia(socksPort: number, targetPort: number, timeoutMs = 30_000): Promise<Socket> {
  const pending = socksConnect(socksPort, '127.0.0.1', targetPort);
  try {
    return await withTimeout(pending, timeoutMs, 'SOCKS connect');
  } catch (e) {
    pending.then(
      (late) => late.destroy(),
      () => undefined,
    );
    throw e;
  }
}

/**
 * Downloads `bytes` through the proxy; `onChunk` sees each chunk's arrival time. An exception thrown by
 * `onChunk` ends the download with that error.
 */
export async function download(
  socksPort: number,
  targetPort: number,
  bytes: number,
  onChunk?: (now: number, total: number) => void,
  timeoutMs = 120_000,
): Promise<Download> {
  const start = performance.now();
  const sock = await openVia(socksPort, targetPort);
  try {
    sock.write(`SRC ${bytes}\n`);
    let got = 0;
    let first = 0;
    let last = 0;
    let maxGap = 0;
    const done = new Promise<void>((resolve, reject) => {
      sock.on('data', (d: Buffer) => {
        const now = performance.now();
        if (got === 0) first = now;
        else maxGap = Math.max(maxGap, now - last);
        last = now;
        got += d.length;
        try {
          onChunk?.(now, got);
        } catch (e) {
          sock.destroy(e instanceof Error ? e : new Error(String(e)));
        }
      });
      sock.on('end', () => resolve());
      sock.on('error', reject);
      sock.on('close', () => (got >= bytes ? resolve() : reject(new Error(`download cut at ${got} bytes`))));
    });
    await withTimeout(done, timeoutMs, 'download');
    if (got !== bytes) throw new Error(`download got ${got} of ${bytes} bytes`);
    return { bytes, ms: last - start, firstByteMs: first - start, maxGapMs: maxGap };
  } finally {
    sock.destroy();
  }
}

/** Uploads `bytes` through the proxy; resolves with ms from the request to the server's `OK`. */
export async function upload(socksPort: number, targetPort: number, bytes: number): Promise<number> {
  const start = performance.now();
  const sock = await openVia(socksPort, targetPort);
  try {
    sock.write(`SNK ${bytes}\n`);
    const ok = new Promise<void>((resolve, reject) => {
      sock.on('data', (d: Buffer) =>
        d.toString().startsWith('OK') ? resolve() : reject(new Error('bad reply')),
      );
      sock.on('error', reject);
      sock.on('close', () => reject(new Error('upload closed before OK')));
    });
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        const off = sent % BLOCK.length;
        const n = Math.min(WRITE_BYTES, bytes - sent, BLOCK.length - off);
        sent += n;
        if (!sock.write(BLOCK.subarray(off, off + n))) return void sock.once('drain', pump);
      }
    };
    pump();
    await withTimeout(ok, 120_000, 'upload');
    return performance.now() - start;
  } finally {
    sock.destroy();
  }
}

/** Round trips of one byte through an ECHO stream: `count` samples in ms, after `warmup` unrecorded ones. */
export async function echoRoundTrips(sock: Socket, count: number, warmup: number): Promise<number[]> {
  sock.setNoDelay(true);
  sock.write('ECHO\n');
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const start = performance.now();
    const back = once(sock, 'data');
    sock.write('x');
    await withTimeout(back, 10_000, 'echo');
    if (i >= warmup) samples.push(performance.now() - start);
  }
  return samples;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
