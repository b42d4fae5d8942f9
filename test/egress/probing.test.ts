/**
 * A censor probing an egress (issue 12 §4; docs/security.md, "Egress: probing"): over real TCP on loopback,
 * every request that is not a Starling upgrade on the egress's path gets what an ordinary web server answers,
 * byte for byte the same whether it came as a plain request or as a WebSocket upgrade.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { createEgress, type EgressOptions } from '../../src/egress/server.js';
import { webSocketPath } from '../../src/egress/ws-path.js';
import { startSession } from '../../src/session/client-handshake.js';
import { generateKeyPair } from '../../src/session/noise.js';
import { PATH_SUBPROTOCOL } from '../../src/shared/path.js';

const SECRET = '/k7Qe2mX9vB4nR8sT1wY6zA3';

async function egressWith(t: { after(fn: () => unknown): void }, options: Partial<EgressOptions> = {}) {
  const keys = generateKeyPair();
  const egress = createEgress({ keys, allowPrivate: true, path: SECRET, ...options });
  const { port } = await egress.listen(0, '127.0.0.1');
  t.after(() => egress.close());
  return { keys, port };
}

/** Sends `request` as raw bytes and returns everything the server sends until it closes. */
async function raw(port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(request);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

/** A response without its Date header, the one field that may differ between two answers. */
function withoutDate(response: string): string {
  return response.replace(/\r\nDate: [^\r]*/i, '');
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: egress.example\r\nConnection: close\r\n\r\n`;
const upgrade = (path: string, protocol?: string) =>
  `GET ${path} HTTP/1.1\r\nHost: egress.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
  (protocol === undefined ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`) +
  '\r\n';

test('plain requests anywhere, the secret path included, get an ordinary 404', async (t) => {
  const { port } = await egressWith(t);
  for (const path of ['/', '/index.html', SECRET, `${SECRET}?x=1`]) {
    const response = await raw(port, get(path));
    assert.match(response, /^HTTP\/1\.1 404 Not Found\r\n/, path);
    assert.match(response, /<h1>Not Found<\/h1>/);
    assert.doesNotMatch(response, /starling|websocket/i, 'nothing names what this is');
  }
});

test('an upgrade to another path, or without the subprotocol, is answered as the plain request', async (t) => {
  const { port } = await egressWith(t);
  const plain = withoutDate(await raw(port, get('/')));
  for (const request of [
    upgrade('/', PATH_SUBPROTOCOL),
    upgrade('/chat'),
    upgrade(SECRET),
    upgrade(SECRET, 'chat'),
  ]) {
    const answer = withoutDate(await raw(port, request));
    assert.equal(answer, plain, request.split('\r\n')[0]);
  }
});

test('other methods get 405 as a static server answers them, on every path', async (t) => {
  const { port } = await egressWith(t);
  for (const path of ['/', SECRET]) {
    const response = await raw(port, `POST ${path} HTTP/1.1\r\nHost: e\r\nContent-Length: 0\r\n\r\n`);
    assert.match(response, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.match(response, /\r\nAllow: GET, HEAD\r\n/i);
  }
});

test('a Starling path on the secret path still makes a session', async (t) => {
  const { keys, port } = await egressWith(t);
  const ws = new WebSocket(`ws://127.0.0.1:${port}${SECRET}`, PATH_SUBPROTOCOL, { perMessageDeflate: false });
  t.after(() => ws.terminate());
  await once(ws, 'open');
  const { session } = await startSession(webSocketPath(ws), keys.publicKey, 0);
  t.after(() => session.close());
  assert.ok(session);
  // And the root, where a default egress listens, is not an egress here.
  const root = new WebSocket(`ws://127.0.0.1:${port}/`, PATH_SUBPROTOCOL);
  const [err] = (await once(root, 'error')) as [Error];
  assert.match(err.message, /Unexpected server response: 404/);
});

test('a decoy site is served, and nothing outside its directory is', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'starling-decoy-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const site = join(base, 'site');
  await mkdir(join(site, 'blog'), { recursive: true });
  await writeFile(join(site, 'index.html'), '<title>Bakery</title>fresh bread');
  await writeFile(join(site, 'blog', 'index.html'), 'our blog');
  await writeFile(join(site, 'style.css'), 'body{}');
  await writeFile(join(base, 'secret.txt'), 'not for strangers');
  await symlink(join(base, 'secret.txt'), join(site, 'link.txt'));
  const { port } = await egressWith(t, { decoyDir: site });

  const home = await raw(port, get('/'));
  assert.match(home, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(home, /content-type: text\/html; charset=utf-8/i);
  assert.match(home, /fresh bread$/);
  assert.match(await raw(port, get('/blog/')), /our blog$/);
  assert.match(await raw(port, get('/style.css')), /content-type: text\/css/i);
  const head = await raw(port, `HEAD /style.css HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n`);
  assert.match(head, /content-length: 6\r\n/i);
  assert.doesNotMatch(head, /body\{\}/);
  // The same site answers an upgrade to another path.
  assert.match(await raw(port, upgrade('/', PATH_SUBPROTOCOL)), /fresh bread$/);
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/link.txt', '/%00', '/nope', '/%E0%A4%A']) {
    const response = await raw(port, get(path));
    assert.match(response, /^HTTP\/1\.1 404 Not Found\r\n/, path);
    assert.doesNotMatch(response, /not for strangers/, path);
  }
});

test('a full egress says busy and nothing more: no limit, no state (full, draining and per-source alike)', async (t) => {
  const hello = async (keys: { publicKey: Uint8Array }, ws: WebSocket) =>
    startSession(webSocketPath(ws), keys.publicKey, 0).then(
      (s) => {
        t.after(() => s.session.close());
        return s;
      },
      (e: Error) => e.message,
    );
  const open = async (port: number) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${SECRET}`, PATH_SUBPROTOCOL, {
      perMessageDeflate: false,
    });
    t.after(() => ws.terminate());
    await once(ws, 'open');
    return ws;
  };

  const full = await egressWith(t, { maxSessions: 1 });
  const first = await hello(full.keys, await open(full.port));
  assert.notEqual(typeof first, 'string', 'the first session is made');
  assert.equal(await hello(full.keys, await open(full.port)), 'the egress refused the session: busy');
});
