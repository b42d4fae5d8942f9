/**
 * Probing resistance (docs/security.md, "Egress: probing"): everything that is not a Starling path upgrade on
 * the egress's path gets what an ordinary web server would answer, the same way whether it came as a plain
 * request or as a WebSocket upgrade to another path: a static site from `dir`, or a plain 404.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { type IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.xml': 'application/xml',
};

const NOT_FOUND =
  '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body><h1>Not Found</h1></body></html>\n';

export interface Decoy {
  /** Answers a plain HTTP request. */
  serve(req: IncomingMessage, res: ServerResponse): void;
  /** Answers an upgrade request that is not ours exactly as `serve` would answer it as a plain request. */
  refuseUpgrade(req: IncomingMessage, socket: Duplex): void;
}

/**
 * `dir`: a static site to serve (GET and HEAD only; index.html for directories; nothing outside `dir`, symlinks
 * included). Without it every request gets the 404 page.
 */
export function createDecoy(dir?: string): Decoy {
  const root = dir === undefined ? undefined : resolve(dir);
  let realRoot: Promise<string> | undefined;

  async function file(pathname: string): Promise<{ path: string; size: number } | undefined> {
    if (root === undefined) return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    realRoot ??= realpath(root).catch(() => root);
    const base = await realRoot;
    let path = resolve(base, `.${decoded}`);
    try {
      if ((await stat(path)).isDirectory()) path = resolve(path, 'index.html');
      path = await realpath(path);
      const info = await stat(path);
      if (!info.isFile() || (path !== base && !path.startsWith(base + sep))) return undefined;
      return { path, size: info.size };
    } catch {
      return undefined;
    }
  }

  function respond(req: IncomingMessage, res: ServerResponse): void {
    // The same headers whatever came in: no keep-alive, so an upgrade request's answer cannot differ there.
    res.shouldKeepAlive = false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method Not Allowed\n');
      return;
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://decoy.invalid').pathname;
    } catch {
      pathname = '/';
    }
    void file(pathname).then((found) => {
      if (found === undefined) {
        res.writeHead(404, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': NOT_FOUND.length,
        });
        res.end(req.method === 'HEAD' ? undefined : NOT_FOUND);
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(found.path).toLowerCase()] ?? 'application/octet-stream',
        'content-length': found.size,
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      const stream = createReadStream(found.path);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    });
  }

  return {
    serve: respond,
    refuseUpgrade(req, socket) {
      // A response of Node's own on the raw socket, so status line and headers are byte for byte those of
      // `serve` (only the Date may differ).
      const res = new ServerResponse(req);
      res.assignSocket(socket as never);
      res.once('finish', () => {
        res.detachSocket(socket as never);
        socket.end();
      });
      socket.on('error', () => socket.destroy());
      respond(req, res);
    },
  };
}
