// Small socket helpers shared by the front-end tests.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { listen } from '../../src/shared/listen.js';

/** Collects everything a socket receives; `take(n)` waits for n bytes, `ended` for the peer's FIN or close. */
export class Reader {
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  done = false;
  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      this.#wake();
    });
    const finish = () => {
      this.done = true;
      this.#wake();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
  }
  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
  async take(n: number): Promise<Buffer> {
    while (this.#buf.length < n) {
      if (this.done) throw new Error(`connection ended after ${this.#buf.length} of ${n} bytes`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }
  /** Waits for the end and returns everything not yet taken. */
  async rest(): Promise<Buffer> {
    while (!this.done) await new Promise<void>((r) => this.#waiters.push(r));
    const out = this.#buf;
    this.#buf = Buffer.alloc(0);
    return out;
  }
}

/** Echo server: sends back what it gets; after the peer's FIN it writes "done" and ends (half-close test). */
export async function startEchoServer(host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      if (!socket.write(chunk)) socket.pause();
    });
    socket.on('drain', () => socket.resume());
    socket.on('end', () => socket.end('done'));
  });
  return { server, port: await listen(server, 0, host) };
}

export function listenLocal(server: Server): Promise<number> {
  return listen(server, 0, '127.0.0.1');
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export const ONE_MIB = randomBytes(1024 * 1024);

/** Whether ::1 can be listened on here (not every namespace has IPv6 loopback). */
export async function hasIPv6Loopback(): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(0, '::1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}
