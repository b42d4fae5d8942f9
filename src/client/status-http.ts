/**
 * `starling client --status ADDR`: the client's status snapshot (src/client/status.ts) as JSON, GET /status.
 *
 * Only for this machine: the request's Host must name a loopback address or `localhost`, so a web page that
 * points its own name at 127.0.0.1 (DNS rebinding) cannot read it, and no CORS header lets another origin
 * read it either. Whether someone runs Starling is itself worth hiding from the pages they visit.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { ClientStatus } from './status.js';

/** Whether a Host header names this machine: localhost, 127.0.0.0/8 or [::1], with any port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(host);
  const name = (m?.[1] ?? m?.[2] ?? '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return isIP(name) === 6 && (name === '::1' || name === '0:0:0:0:0:0:0:1');
}

/** An HTTP server answering GET /status with `status()` as JSON; the caller listens it. */
export function createStatusServer(status: () => ClientStatus): Server {
  return createServer({ maxHeaderSize: 8192 }, (req: IncomingMessage, res: ServerResponse) => {
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, {
        'content-type': type,
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!isLoopbackHost(req.headers.host))
      return reply(403, 'only for this machine (Host must be loopback)\n');
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/status') return reply(404, 'not found: try GET /status\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'GET /status only\n');
    reply(200, `${JSON.stringify(status())}\n`, 'application/json');
  });
}
