/** A client session and an egress SessionTable joined by in-memory paths, with test destinations. */
import { createHash } from 'node:crypto';
import { SessionTable } from '../../src/egress/sessions.js';
import { joinSession, startSession } from '../../src/session/client-handshake.js';
import { generateKeyPair, type KeyPair } from '../../src/session/noise.js';
import type { Session } from '../../src/session/session.js';
import type { SessionStream } from '../../src/session/stream.js';
import type { SessionOptions } from '../../src/shared/limits.js';
import { type MemoryEnd, memoryPath, type Tap } from './memory-path.js';

/**
 * Destinations the test egress "dials": `echo` echoes; `source` sends `port` KiB of seeded random bytes then
 * ends; `sink` reads everything and answers with its sha256 hex; `stall` accepts and never reads.
 */
export function testDestinations(session: Session, stream: SessionStream, host: string, port: number): void {
  if (host === 'refused') {
    session.rejectStream(stream, 'refused');
    return;
  }
  session.acceptStream(stream);
  stream.on('error', () => {});
  if (host === 'echo') stream.pipe(stream);
  else if (host === 'source') {
    const data = seeded(port * 1024);
    stream.end(data);
    stream.resume();
  } else if (host === 'sink') {
    const h = createHash('sha256');
    stream.on('data', (d: Buffer) => h.update(d));
    stream.on('end', () => stream.end(h.digest('hex')));
  }
  // 'stall': never read
}

export function seeded(bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * Reads until END, leaving the stream's write side alone (an async iterator would destroy it); rejects if
 * the stream has not ended after `timeoutMs`.
 */
export function readAll(stream: SessionStream, timeoutMs = 30_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let bytes = 0;
    const timer = setTimeout(
      () => reject(new Error(`stream did not end within ${timeoutMs} ms (${bytes} bytes read)`)),
      timeoutMs,
    );
    stream.on('data', (d: Buffer) => {
      parts.push(d);
      bytes += d.length;
    });
    stream.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
    stream.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export interface Pair {
  session: Session;
  table: SessionTable;
  keys: KeyPair;
  paths: Map<number, { client: MemoryEnd; egress: MemoryEnd }>;
  addPath(tap?: Tap): Promise<number>;
  close(): void;
}

export async function sessionPair(
  opts: { options?: Partial<SessionOptions>; tap?: Tap; egressOptions?: Partial<SessionOptions> } = {},
): Promise<Pair> {
  const keys = generateKeyPair();
  const table = new SessionTable(keys, testDestinations, { ...opts.options, ...opts.egressOptions });
  const paths = new Map<number, { client: MemoryEnd; egress: MemoryEnd }>();
  const first = memoryPath(opts.tap);
  paths.set(0, first);
  void table.accept(first.egress);
  const { session } = await startSession(first.client, keys.publicKey, 0, opts.options);
  let nextId = 1;
  return {
    session,
    table,
    keys,
    paths,
    async addPath(tap?: Tap) {
      const id = nextId++;
      const p = memoryPath(tap);
      paths.set(id, p);
      void table.accept(p.egress);
      await joinSession(session, p.client, id);
      return id;
    },
    close() {
      session.close();
      table.close();
    },
  };
}
