/**
 * A reverse proxy standing for a CDN or TLS-terminating front before the broker: it forwards every request
 * to `upstream` and keeps each request's and response's body, as such a front could log them. Bodies are
 * kept up to `maxBodyBytes` each (more is forwarded, not kept). On 127.0.0.1, port chosen by the OS.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  requestType: string;
  request: Buffer;
  status: number;
  responseType: string;
  response: Buffer;
}

export async function startRecordingFront(upstream: string, maxBodyBytes = 1 << 20) {
  const target = new URL(upstream);
  const seen: Recorded[] = [];
  const keep = (chunks: Buffer[], chunk: Buffer, size: { n: number }) => {
    if (size.n + chunk.length <= maxBodyBytes) chunks.push(chunk);
    size.n += chunk.length;
  };
  const server = createServer((req, res) => {
    const reqChunks: Buffer[] = [];
    const reqSize = { n: 0 };
    const headers = { ...req.headers, host: target.host };
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        const resChunks: Buffer[] = [];
        const resSize = { n: 0 };
        upRes.on('data', (c: Buffer) => {
          keep(resChunks, c, resSize);
          res.write(c);
        });
        upRes.on('end', () => {
          seen.push({
            method: req.method ?? '',
            path: (req.url ?? '').split('?')[0]!,
            requestType: String(req.headers['content-type'] ?? ''),
            request: Buffer.concat(reqChunks),
            status: upRes.statusCode ?? 0,
            responseType: String(upRes.headers['content-type'] ?? ''),
            response: Buffer.concat(resChunks),
          });
          res.end();
        });
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.on('data', (c: Buffer) => {
      keep(reqChunks, c, reqSize);
      up.write(c);
    });
    req.on('end', () => up.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
