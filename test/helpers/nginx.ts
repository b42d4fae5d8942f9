/**
 * Debian's nginx in front of Starling on loopback, as docs/deploy.md ("Behind nginx") configures it: TLS on
 * each public port, the broker and the egress proxied with X-Forwarded-For, WebSocket upgrades passed, and
 * a static site. One process (`master_process off`), so stopping it leaves no workers behind.
 *
 * nginx cannot tell which port it bound for port 0, so free ports are found first by binding port 0 and
 * closing; if another program takes one meanwhile, nginx fails to bind and is started again on new ones.
 * A port counts as nginx's once it completes a TLS handshake with the test CA's certificate.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { listen } from '../../src/shared/listen.js';
import { Proc } from './network.js';

export const NGINX = process.env.STARLING_NGINX ?? '/usr/sbin/nginx';

/**
 * One public TLS port: a reverse proxy to an http upstream on 127.0.0.1, or a static site. Optionally on
 * another loopback address, for one `server_name` (nginx picks the server by the Host header, as a CDN
 * does), on the port of an earlier server (`samePortAs`, its index), with an access log of SNI, Host,
 * method and path (`accessLog`, a file).
 */
export type NginxServer = ({ proxyTo: number; timeout: string } | { root: string }) & {
  address?: string;
  serverName?: string;
  samePortAs?: number;
  accessLog?: string;
};

export interface NginxOptions {
  servers: NginxServer[];
  certFile: string;
  keyFile: string;
  /** The CA that signed `certFile` (PEM text). */
  ca: string;
  /** The address nginx connects to its upstreams from (`proxy_bind`). */
  bindAddress: string;
}

export interface RunningNginx {
  /** The public port of each server, in order. */
  ports: number[];
  proc: Proc;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0, '127.0.0.1');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The nginx configuration, each server on its port of `ports`. */
export function nginxConfig(dir: string, opts: NginxOptions, ports: number[]): string {
  const tmp = (name: string) => join(dir, 'tmp', name);
  const body = (server: NginxServer) =>
    'root' in server
      ? `root ${server.root};`
      : `location / {
      proxy_pass http://127.0.0.1:${server.proxyTo};
      proxy_bind ${opts.bindAddress};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_read_timeout ${server.timeout};
      proxy_send_timeout ${server.timeout};
    }`;
  const servers = opts.servers.map((server, i) => {
    const lines = [`listen ${server.address ?? '127.0.0.1'}:${ports[i]} ssl;`];
    if (server.serverName !== undefined) lines.push(`server_name ${server.serverName};`);
    if (server.accessLog !== undefined) lines.push(`access_log ${server.accessLog} fronting;`);
    return `  server {\n    ${lines.join('\n    ')}\n    ${body(server)}\n  }`;
  });
  return `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 512; }
http {
  access_log off;
  log_format fronting '$ssl_server_name $host $request_method $uri';
  client_body_temp_path ${tmp('body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
  types { text/html html; text/javascript js; }
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  ssl_certificate ${opts.certFile};
  ssl_certificate_key ${opts.keyFile};
  ssl_protocols TLSv1.2 TLSv1.3;
${servers.join('\n')}
}
`;
}

/** Starts nginx with its prefix, config and temp files in `dir` (its own directory). */
export async function startNginx(dir: string, opts: NginxOptions): Promise<RunningNginx> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (const server of opts.servers) {
      ports.push(server.samePortAs === undefined ? await freePort() : ports[server.samePortAs]!);
    }
    writeFileSync(conf, nginxConfig(dir, opts, ports));
    const proc = new Proc(
      'nginx',
      spawn(NGINX, ['-p', dir, '-e', 'stderr', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const addresses = opts.servers.map((server) => server.address ?? '127.0.0.1');
    if (await waitListening(ports, addresses, proc, opts.ca))
      return { ports, proc, stop: () => proc.stop('SIGTERM') };
    await proc.stop('SIGKILL');
    const inUse = proc.lines.some((l) => /Address already in use/.test(l));
    if (!inUse || attempt === 3) throw new Error(`nginx did not start:\n${proc.lines.join('\n')}`);
  }
}

/** Whether all `ports` (on `addresses`) answer TLS with a certificate under `ca` before nginx exits. */
async function waitListening(ports: number[], addresses: string[], proc: Proc, ca: string): Promise<boolean> {
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const accepts = (port: number, host: string) =>
    new Promise<boolean>((resolve) => {
      const s = connect({ port, host, ca });
      s.once('secureConnect', () => {
        s.destroy();
        resolve(s.authorized);
      });
      s.once('error', () => resolve(false));
    });
  for (let i = 0; i < 200 && !exited; i++) {
    const all = await Promise.all(ports.map((port, i) => accepts(port, addresses[i]!)));
    if (all.every(Boolean)) return !exited;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}
