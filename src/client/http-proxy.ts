import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { NoPathError, StreamError } from '../shared/errors.js';
import { joinHostPort } from '../shared/ip.js';
import { PROXY_DEFAULTS, type ProxyOptions, resolveLimits } from '../shared/limits.js';
import { splice } from '../shared/splice.js';
import type { Dialer } from './dialer.js';
import {
  hasHeader,
  parseAbsoluteTarget,
  parseAuthority,
  stripHopByHop,
  type Target,
  withoutHeader,
} from './http-message.js';
import { NoPathNotice, type OpenFailure, openStream, toOpenFailure } from './open-stream.js';
import { proxyPac } from './pac.js';

export type HttpProxyOptions = Partial<
  Pick<
    ProxyOptions,
    'httpMaxHeaderBytes' | 'httpHeadersTimeoutMs' | 'httpKeepAliveTimeoutMs' | 'openTimeoutMs'
  >
> & {
  /** Where the one-line "no volunteer reachable" notice goes. @default console.warn */
  log?: (message: string) => void;
  /**
   * The SOCKS5 proxy's address, named as the fallback in `/proxy.pac`, read at each request; a wildcard
   * host (0.0.0.0, ::) becomes the address the PAC file was fetched on. @default none: this proxy only
   */
  pacSocks?: () => { host: string; port: number } | undefined;
};

/**
 * A local HTTP proxy: `CONNECT host:port` becomes a raw stream through `dialer`; an absolute-URI request
 * (`GET http://host/path`) is forwarded over a fresh stream by node's HTTP client. Nothing goes direct.
 * The caller listens it, e.g. `createHttpProxyServer(dialer).listen(8080, '127.0.0.1')`.
 */
export function createHttpProxyServer(dialer: Dialer, opts: HttpProxyOptions = {}): Server {
  const limits = resolveLimits<ProxyOptions>('proxy', PROXY_DEFAULTS, opts);
  const { openTimeoutMs } = limits;
  const notice = new NoPathNotice(opts.log ?? ((message) => console.warn(message)));
  const server = createServer({ maxHeaderSize: limits.httpMaxHeaderBytes });
  server.headersTimeout = limits.httpHeadersTimeoutMs;
  server.keepAliveTimeout = limits.httpKeepAliveTimeoutMs;
  // Bodies may stream for as long as the app likes (uploads, long polls); only the head is timed.
  server.requestTimeout = 0;

  const open = async (target: Target, app: Duplex | ServerResponse): Promise<Duplex | OpenFailure> => {
    try {
      const stream = await openStream(dialer, target.host, target.port, openTimeoutMs, app);
      notice.opened();
      return stream;
    } catch (err) {
      const failure = toOpenFailure(err);
      notice.failed(failure);
      return failure;
    }
  };

  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = parseAuthority(req.url ?? '');
    if (!target.ok) {
      rawReply(socket, 400, `Bad CONNECT target: ${target.why}\n`);
      return;
    }
    void open(target, socket).then((tunnel) => {
      if (tunnel instanceof Error) {
        rawReply(socket, statusOf(tunnel), failureText(tunnel, target));
        return;
      }
      if (socket.destroyed) {
        tunnel.destroy();
        return;
      }
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      splice(socket, tunnel);
    });
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // A request for the proxy itself (origin-form): the PAC file, naming the address it was reached on.
    if (req.url === '/proxy.pac' && (req.method === 'GET' || req.method === 'HEAD')) {
      const here = req.socket.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
      const socks = opts.pacSocks?.();
      const socksHost = socks && (socks.host === '0.0.0.0' || socks.host === '::') ? here : socks?.host;
      const pac = proxyPac(
        joinHostPort(here, req.socket.localPort ?? 0),
        socks && socksHost ? joinHostPort(socksHost, socks.port) : undefined,
      );
      res.writeHead(200, {
        'Content-Type': 'application/x-ns-proxy-autoconfig',
        'Content-Length': Buffer.byteLength(pac),
        'Cache-Control': 'no-store',
        // The PAC file is JavaScript: without this a page could run it with <script src> and so learn that
        // its visitor runs Starling; browsers refuse a nosniff script whose type is not JavaScript.
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : pac);
      return;
    }
    const target = parseAbsoluteTarget(req.url ?? '');
    if (!target.ok) {
      textReply(res, 400, `${target.why}\n`);
      return;
    }
    void open(target, res).then((tunnel) => {
      if (tunnel instanceof Error) textReply(res, statusOf(tunnel), failureText(tunnel, target));
      else forward(req, res, tunnel, target);
    });
  });
  return server;
}

/** Sends one request over `tunnel` with node's HTTP client and streams the response back. */
function forward(
  req: IncomingMessage,
  res: ServerResponse,
  tunnel: Duplex,
  target: Target & { path: string; hostHeader: string },
): void {
  if (res.destroyed) {
    tunnel.destroy();
    return;
  }
  // RFC 9112 §3.2.2: a proxy replaces Host with the authority of the absolute-form target.
  const headers = ['Host', target.hostHeader, ...withoutHeader(stripHopByHop(req.rawHeaders), 'host')];
  // The incoming body was de-framed by node; say how the forwarded one is framed when its length is unknown.
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !hasHeader(headers, 'content-length')) headers.push('Transfer-Encoding', 'chunked');
  // One stream per request: the tunnel stream is not pooled, so tell the origin not to keep it.
  headers.push('Connection', 'close');
  const upstream = httpRequest({
    createConnection: () => tunnel,
    method: req.method,
    path: target.path,
    headers,
    setHost: false,
  });
  upstream.on('response', (answer: IncomingMessage) => {
    // Node's parser takes status lines its own writeHead refuses (issue 9, finding 3); such an answer
    // costs its exchange, never the process.
    const bad = badStatusLine(answer);
    if (bad === undefined) {
      try {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, stripHopByHop(answer.rawHeaders));
      } catch (err) {
        answer.destroy();
        tunnel.destroy();
        // writeHead may have taken some of the headers before it threw: nothing sane is left to send.
        res.destroy(err as Error);
        return;
      }
    } else {
      answer.destroy();
      tunnel.destroy();
      textReply(res, 502, `Starling: ${target.host}:${target.port} sent a bad status line: ${bad}\n`);
      return;
    }
    pipeline(answer, res, (err) => {
      if (err) res.destroy();
    });
  });
  // Upgrade is hop-by-hop and stripped above, so a 101 is the origin breaking the exchange; node reports it
  // only as 'upgrade', which nothing else would answer.
  upstream.on('upgrade', (_answer: IncomingMessage, socket: Duplex) => {
    socket.destroy();
    tunnel.destroy();
    textReply(res, 502, `Starling: ${target.host}:${target.port} switched protocols unasked\n`);
  });
  upstream.on('error', (err) => {
    tunnel.destroy();
    if (res.headersSent) res.destroy();
    else textReply(res, 502, `Starling: ${target.host}:${target.port} broke the exchange: ${err.message}\n`);
  });
  // Done (the whole answer is out) or the app went away: either way the stream has nothing left to carry.
  res.on('close', () => {
    upstream.destroy();
    tunnel.destroy();
  });
  pipeline(req, upstream, (err) => {
    if (err) upstream.destroy();
  });
}

/** Why a parsed response's status line cannot be passed on (RFC 9112 §4), or undefined when it can. */
function badStatusLine(answer: IncomingMessage): string | undefined {
  const status = answer.statusCode ?? 0;
  // Node's writeHead takes 100..999; a final answer is never 1xx (node reports those as 'information').
  if (!Number.isInteger(status) || status < 200 || status > 999)
    return `status ${String(status).padStart(3, '0')}`;
  // reason-phrase = *( HTAB / SP / VCHAR / obs-text )
  if (/[^\t\x20-\x7e\x80-\xff]/.test(answer.statusMessage ?? '')) return 'a control byte in the reason';
  return undefined;
}

function statusOf(failure: OpenFailure): number {
  return failure instanceof StreamError ? failure.httpStatus : 502;
}

function failureText(failure: OpenFailure, target: Target): string {
  if (failure instanceof NoPathError)
    return 'Starling: no volunteer is reachable right now; try again shortly.\n';
  return `Starling: cannot reach ${target.host}:${target.port} (${failure.reason}).\n`;
}

function textReply(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    Connection: 'close',
  });
  res.end(text);
}

/** An HTTP response written on a raw socket (after CONNECT node's server no longer writes for us). */
function rawReply(socket: Duplex, status: number, text: string): void {
  if (socket.destroyed) return;
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n`;
  socket.end(head + text, () => socket.destroy());
}
