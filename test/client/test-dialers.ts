// Test-only dialers for the front-end tests: they stand where the tunnel goes in production.
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Dialer } from '../../src/client/dialer.js';
import { type NoPathError, type ResetReason, StreamError } from '../../src/shared/errors.js';

/** A generic Duplex (not a net.Socket) in front of a socket, as the tunnel's streams are. */
class SocketStream extends Duplex {
  constructor(private readonly socket: Socket) {
    super({ allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    let ended = false;
    socket.on('end', () => {
      ended = true;
      this.push(null);
    });
    socket.on('error', (err) => this.destroy(err));
    // A close without the peer's FIN is a reset; after a FIN, autoDestroy ends this stream once it is read.
    socket.on('close', () => {
      if (!ended) this.destroy();
    });
  }
  override _read(): void {
    this.socket.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}

const REASONS: Readonly<Record<string, ResetReason>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'host-unreachable',
  ENETUNREACH: 'net-unreachable',
};

/** Connects straight to host:port; names are looked up in `names` only (no DNS), others fail 'dns-failed'. */
export function directDialer(names: Readonly<Record<string, string>> = {}): Dialer & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    open(host, port) {
      opened.push(`${host}:${port}`);
      const address = /^[\d.]+$|:/.test(host) ? host : names[host];
      if (address === undefined) return Promise.reject(new StreamError('dns-failed', `unknown ${host}`));
      return new Promise((resolve, reject) => {
        const socket = connect({ host: address, port, allowHalfOpen: true });
        socket.once('error', (err: Error & { code?: string }) =>
          reject(new StreamError(REASONS[err.code ?? ''] ?? 'general', err.message)),
        );
        socket.once('connect', () => resolve(new SocketStream(socket)));
      });
    },
  };
}

/** Always fails with `err`, and records what was asked. */
export function failingDialer(err: StreamError | NoPathError): Dialer & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    open(host, port) {
      opened.push(`${host}:${port}`);
      return Promise.reject(err);
    },
  };
}

/** Never answers; remembers the abort signal of each open so tests can see it fire. */
export function hangingDialer(): Dialer & { signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    signals,
    open(_host, _port, signal) {
      if (signal) signals.push(signal);
      return new Promise(() => {});
    },
  };
}
