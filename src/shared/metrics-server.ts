/**
 * The `/metrics` listener (`--metrics ADDR`): a separate HTTP server, apart from the public one, so an
 * operator can keep it on loopback or a private network. GET or HEAD `/metrics`, and `/healthz` when the
 * role has a health: on the egress's public listener it would tell a scanner what the server is (path-v1
 * §1.3), so load balancers ask here.
 */
import { createServer, type Server } from 'node:http';
import { METRICS_CONTENT_TYPE, type MetricsRegistry } from './metrics.js';

/** A role's health: 200 with `{v: 1, ok: true}` when ok, else 503 with `{v: 1, ok: false, ...detail}`. */
export type Health = () => { ok: boolean; detail?: Record<string, unknown> };

export function createMetricsServer(registry: MetricsRegistry, health?: Health): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && !(path === '/healthz' && health !== undefined)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
      return;
    }
    if (path === '/healthz' && health !== undefined) {
      const { ok, detail } = health();
      const json = JSON.stringify({ v: 1, ok, ...(ok ? {} : detail) });
      res.writeHead(ok ? 200 : 503, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : json);
      return;
    }
    const body = registry.render();
    res.writeHead(200, {
      'content-type': METRICS_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return server;
}
