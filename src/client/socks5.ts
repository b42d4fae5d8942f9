import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { StreamError } from '../shared/errors.js';
import { PROXY_DEFAULTS, type ProxyOptions, resolveLimits } from '../shared/limits.js';
import { splice } from '../shared/splice.js';
import type { Dialer } from './dialer.js';
import { NoPathNotice, openStream, toOpenFailure } from './open-stream.js';
import {
  encodeReply,
  METHOD_NO_AUTH,
  METHOD_NONE_ACCEPTABLE,
  parseGreeting,
  parseRequest,
  REPLY_GENERAL_FAILURE,
  REPLY_SUCCEEDED,
  SOCKS_VERSION,
} from './socks5-codec.js';

export type SocksServerOptions = Partial<
  Pick<ProxyOptions, 'socksHandshakeTimeoutMs' | 'socksMaxHandshakeBytes' | 'openTimeoutMs'>
> & {
  /** Where the one-line "no volunteer reachable" notice goes. @default console.warn */
  log?: (message: string) => void;
};

/**
 * A local SOCKS5 server (RFC 1928): no authentication, CONNECT only, every stream through `dialer`.
 * The caller listens it, e.g. `createSocksServer(dialer).listen(1080, '127.0.0.1')`.
 */
export function createSocksServer(dialer: Dialer, opts: SocksServerOptions = {}): Server {
  const limits = resolveLimits<ProxyOptions>('proxy', PROXY_DEFAULTS, opts);
  const notice = new NoPathNotice(opts.log ?? ((message) => console.warn(message)));

  const connect = async (socket: Socket, host: string, port: number): Promise<void> => {
    let tunnel: Duplex;
    try {
      tunnel = await openStream(dialer, host, port, limits.openTimeoutMs, socket);
    } catch (err) {
      const failure = toOpenFailure(err);
      notice.failed(failure);
      refuse(socket, failure instanceof StreamError ? failure.socksReply : REPLY_GENERAL_FAILURE);
      return;
    }
    notice.opened();
    if (socket.destroyed) {
      tunnel.destroy();
      return;
    }
    socket.write(encodeReply(REPLY_SUCCEEDED));
    splice(socket, tunnel);
  };

  // allowHalfOpen: the app's FIN becomes the stream's END while the other direction keeps flowing.
  return createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
    handshake(socket, limits, (host, port) => connect(socket, host, port)),
  );
}

type HandshakeLimits = { socksHandshakeTimeoutMs: number; socksMaxHandshakeBytes: number };

/**
 * Reads the greeting and the request, however the bytes are split across chunks, then hands the paused
 * socket (with any bytes after the request put back) to `onConnect`. Bad input closes the socket.
 */
function handshake(
  socket: Socket,
  limits: HandshakeLimits,
  onConnect: (host: string, port: number) => Promise<void>,
): void {
  socket.on('error', () => socket.destroy());
  const timer = setTimeout(() => socket.destroy(), limits.socksHandshakeTimeoutMs);
  let stage: 'greeting' | 'request' = 'greeting';
  let buf: Buffer = Buffer.alloc(0);

  // The app's FIN before a complete request: nothing more can come (allowHalfOpen keeps the socket otherwise).
  const onEnd = () => socket.destroy();
  const stop = () => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
  };
  socket.once('close', () => clearTimeout(timer));

  function onData(chunk: Buffer): void {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      const parsed = stage === 'greeting' ? parseGreeting(buf) : parseRequest(buf);
      if (parsed.kind === 'incomplete') {
        if (buf.length >= limits.socksMaxHandshakeBytes) {
          stop();
          socket.destroy();
        }
        return;
      }
      if (parsed.kind === 'invalid') {
        stop();
        socket.destroy();
        return;
      }
      buf = buf.subarray(parsed.length);
      if ('noAuth' in parsed) {
        if (!parsed.noAuth) {
          stop();
          finish(socket, Buffer.from([SOCKS_VERSION, METHOD_NONE_ACCEPTABLE]));
          return;
        }
        socket.write(Buffer.from([SOCKS_VERSION, METHOD_NO_AUTH]));
        stage = 'request';
        continue;
      }
      stop();
      const { request } = parsed;
      if ('refuse' in request) {
        refuse(socket, request.refuse);
        return;
      }
      if (buf.length > 0) socket.unshift(buf);
      void onConnect(request.host, request.port);
      return;
    }
  }
  socket.on('data', onData);
  socket.once('end', onEnd);
}

/** Sends a failure reply (RFC 1928 §6) and closes. */
function refuse(socket: Socket, reply: number): void {
  finish(socket, encodeReply(reply));
}

function finish(socket: Socket, bytes: Buffer): void {
  if (socket.destroyed) return;
  socket.end(bytes, () => socket.destroy());
}
