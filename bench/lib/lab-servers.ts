/**
 * The lab benchmark's servers, run inside a lab node (bench/lab.ts): `lab-servers.ts ADDRESS TCP_PORT
 * [HTTP_PORT]` starts the raw TCP target of ./tcp-target.ts (`SRC n`, `SNK n`, `ECHO`) on ADDRESS:TCP_PORT,
 * and with HTTP_PORT a web server for the page-load figure: `/` is a page with PAGE_RESOURCES subresources
 * (stylesheets and scripts in its head, images in its body), each a few tens of KB of incompressible bytes.
 * Prints `"listening"` once both listen; runs until killed.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { PAGE_RESOURCES } from './lab-shape.js';
import { startTcpTarget } from './tcp-target.js';

const SIZES = { css: 12 * 1024, js: 30 * 1024, img: 24 * 1024 } as const;
const TYPES = { css: 'text/css', js: 'text/javascript', img: 'image/png' } as const;

function page(): string {
  const head = [
    ...Array.from({ length: PAGE_RESOURCES.css }, (_, i) => `<link rel="stylesheet" href="/css/${i}.css">`),
    ...Array.from({ length: PAGE_RESOURCES.js }, (_, i) => `<script src="/js/${i}.js"></script>`),
  ];
  const body = Array.from({ length: PAGE_RESOURCES.img }, (_, i) => `<img src="/img/${i}.png" alt="">`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>lab page</title>${head.join('')}</head><body>${body.join('')}</body></html>`;
}

/** A body of `size` bytes that the browser accepts and ignores: a comment in CSS and JS, junk for images. */
function resource(kind: keyof typeof SIZES): Buffer {
  const filler = randomBytes(SIZES[kind])
    .toString('base64')
    .slice(0, SIZES[kind] - 4);
  return Buffer.from(kind === 'img' ? filler : `/*${filler}*/`);
}

const [address, tcpPort, httpPort] = process.argv.slice(2);
if (address === undefined || tcpPort === undefined) {
  console.error('usage: lab-servers.ts ADDRESS TCP_PORT [HTTP_PORT]');
  process.exit(2);
}
await startTcpTarget(address, Number(tcpPort));
if (httpPort !== undefined) {
  const html = Buffer.from(page());
  const bodies = { css: resource('css'), js: resource('js'), img: resource('img') };
  const server = createServer((req, res) => {
    const m = /^\/(css|js|img)\/\d+\.\w+$/.exec(req.url ?? '');
    const kind = m?.[1] as keyof typeof bodies | undefined;
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
    else if (kind) res.writeHead(200, { 'content-type': TYPES[kind], 'cache-control': 'no-store' });
    else res.writeHead(404);
    res.end(req.url === '/' ? html : kind ? bodies[kind] : undefined);
  });
  server.listen(Number(httpPort), address);
  await once(server, 'listening');
}
process.stdout.write('"listening"\n');
