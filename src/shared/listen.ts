import type { Server } from 'node:net';

/**
 * Listens `server` (a net, http or WebSocket-carrying server) on `host:port`, port 0 meaning any free port;
 * resolves with the port bound, rejects with the listen error (EADDRINUSE, EACCES, ...).
 */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
