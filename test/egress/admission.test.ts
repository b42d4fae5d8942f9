/**
 * The egress's admission rules (session-v1 §2.1) and its WebSocket path's queue bound (§5.4) against strangers
 * over real WebSockets on loopback: HELLO replays, one address opening many WebSockets, a volunteer that
 * stops reading. The in-memory versions of the protocol rules are in test/session/hostile-peer.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { createEgress, type Egress } from '../../src/egress/server.js';
import { webSocketPath } from '../../src/egress/ws-path.js';
import { startSession } from '../../src/session/client-handshake.js';
import { generateKeyPair, type KeyPair } from '../../src/session/noise.js';
import type { Session } from '../../src/session/session.js';
import type { SessionOptions } from '../../src/shared/limits.js';
import { listen } from '../../src/shared/listen.js';
import { CloseCode, PATH_SUBPROTOCOL } from '../../src/shared/path.js';
import { firstReply, makeHello } from '../helpers/hostile-client.js';
import { until } from '../helpers/until.js';

async function startEgress(
  options: Partial<SessionOptions> & Record<string, number> = {},
  proxyAddresses?: string[],
): Promise<{ egress: Egress; keys: KeyPair; url: string }> {
  const keys = generateKeyPair();
  const egress = createEgress({
    keys,
    allowPrivate: true,
    ...options,
    ...(proxyAddresses ? { proxyAddresses } : {}),
  });
  const { port } = await egress.listen(0, '127.0.0.1');
  return { egress, keys, url: `ws://127.0.0.1:${port}/` };
}

/** A WebSocket path to the egress, or the HTTP status it was refused with. */
async function openPath(
  url: string,
  from?: { localAddress: string; forwardedFor: string },
): Promise<WebSocket | number> {
  const ws = new WebSocket(url, PATH_SUBPROTOCOL, {
    perMessageDeflate: false,
    ...(from ? { localAddress: from.localAddress, headers: { 'x-forwarded-for': from.forwardedFor } } : {}),
  });
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

async function honestSession(url: string, key: Uint8Array): Promise<Session> {
  const ws = await openPath(url);
  if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
  return (await startSession(webSocketPath(ws), key, 0)).session;
}

test('replaying one HELLO over hundreds of real WebSockets holds no session; honest clients get in', async () => {
  const { egress, keys, url } = await startEgress({ maxSessions: 20 });
  const honest: Session[] = [];
  try {
    const { hello } = makeHello(keys.publicKey);
    let answered = 0;
    for (let round = 0; round < 6; round++) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => openPath(url)));
      const replies = batch.map(async (ws) => {
        if (typeof ws === 'number') throw new Error(`refused with ${ws}`);
        const t = webSocketPath(ws);
        const reply = firstReply(t, 3000);
        t.send(hello);
        const msg = await reply;
        if (msg?.[1] === 0x02) answered += 1;
        ws.terminate();
      });
      await Promise.all(replies);
    }
    assert.ok(answered <= 1, `the HELLO was answered ${answered} times`);
    assert.equal(egress.sessions.size, 0);
    for (let i = 0; i < 20; i++) honest.push(await honestSession(url, keys.publicKey));
    await until(() => egress.sessions.size === 20, 'every honest client’s session', 5000);
    await until(() => egress.pathCount === 20, 'the replays’ WebSockets to be counted closed', 5000);
  } finally {
    for (const s of honest) s.close();
    await egress.close();
  }
});

test('one address holds at most maxPathsPerSource WebSockets; one more is 503 at the upgrade', async () => {
  const { egress, url } = await startEgress({ maxPathsPerSource: 5 });
  const open: WebSocket[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const ws = await openPath(url);
      assert.ok(typeof ws !== 'number', `path ${i} refused with ${ws}`);
      open.push(ws);
    }
    assert.equal(await openPath(url), 503);
    open.pop()?.terminate();
    await until(() => egress.pathCount === 4, 'the closed path to be counted', 3000);
    const again = await openPath(url);
    assert.ok(typeof again !== 'number', 'room again once one closed');
    open.push(again);
  } finally {
    for (const ws of open) ws.terminate();
    await egress.close();
  }
});

test('behind a proxy: X-Forwarded-For counts only on connections from the proxy address', async () => {
  const { egress, url } = await startEgress({ maxPathsPerSource: 1, trustedProxies: 1 }, ['127.0.0.2']);
  const open: WebSocket[] = [];
  try {
    // Through the proxy (127.0.0.2): one source per forwarded client.
    for (const client of ['198.51.100.1', '198.51.100.2']) {
      const ws = await openPath(url, { localAddress: '127.0.0.2', forwardedFor: client });
      assert.ok(typeof ws !== 'number', `${client} via the proxy refused with ${ws}`);
      open.push(ws);
    }
    assert.equal(await openPath(url, { localAddress: '127.0.0.2', forwardedFor: '198.51.100.1' }), 503);
    // Around the proxy (127.0.0.3): the header is ignored, the peer is one source whatever it claims.
    const first = await openPath(url, { localAddress: '127.0.0.3', forwardedFor: '203.0.113.1' });
    assert.ok(typeof first !== 'number', `first direct path refused with ${first}`);
    open.push(first);
    assert.equal(await openPath(url, { localAddress: '127.0.0.3', forwardedFor: '203.0.113.2' }), 503);
  } finally {
    for (const ws of open) ws.terminate();
    await egress.close();
  }
});

test('a volunteer that stops reading: the egress’s queue toward it is bounded and the path closed', async () => {
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const port = await listen(server, 0, '127.0.0.1');
  const limits = { lowWater: 16 * 1024, pauseAt: 64 * 1024, maxQueued: 512 * 1024, closeGraceMs: 300 };
  const accepted = once(wss, 'connection');
  // A WebSocket client written by hand that reads the upgrade answer and then nothing.
  const sock = connect(port, '127.0.0.1');
  sock.write(
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await once(sock, 'data');
  sock.pause();
  try {
    const [ws] = (await accepted) as [WebSocket];
    const path = webSocketPath(ws, limits);
    let closedWith: number | undefined;
    path.onclose = (code) => {
      closedWith = code;
    };
    let highest = 0;
    const chunk = new Uint8Array(60_000);
    for (let i = 0; i < 2000 && ws.readyState === ws.OPEN; i++) {
      path.send(chunk);
      highest = Math.max(highest, path.bufferedAmount);
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(highest <= limits.maxQueued, `${highest} bytes queued`);
    assert.notEqual(ws.readyState, ws.OPEN, 'the path was closed');
    await until(() => closedWith !== undefined, 'the cut WebSocket to report its close', 3000);
    assert.ok(closedWith === CloseCode.overQueue || closedWith === 1006, `closed with ${closedWith}`);
  } finally {
    sock.destroy();
    wss.close();
    server.close();
  }
});
