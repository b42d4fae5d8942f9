/**
 * Hostile clients against a real egress (issue 9, finding 8; docs/security.md, "Egress destinations"):
 * sessions over real WebSockets on loopback, OPENs to a real TCP server. What each client sees is the
 * RESET code its OPEN gets.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { createEgress, type EgressOptions } from '../../src/egress/server.js';
import { webSocketPath } from '../../src/egress/ws-path.js';
import { startSession } from '../../src/session/client-handshake.js';
import { generateKeyPair } from '../../src/session/noise.js';
import type { Session } from '../../src/session/session.js';
import type { SessionStream } from '../../src/session/stream.js';
import { StreamError } from '../../src/shared/errors.js';
import { PATH_SUBPROTOCOL } from '../../src/shared/path.js';

let target: Server;
let targetPort = 0;
const accepted: Socket[] = [];
before(async () => {
  target = createServer((s) => {
    accepted.push(s);
    s.on('error', () => {});
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const address = target.address();
  targetPort = typeof address === 'object' && address !== null ? address.port : 0;
});
after(() => {
  for (const s of accepted) s.destroy();
  target.close();
});

/** An egress on loopback and a way to open client sessions to it; everything closes with the test. */
async function egressWith(t: { after(fn: () => unknown): void }, options: Partial<EgressOptions>) {
  const keys = generateKeyPair();
  const egress = createEgress({ keys, allowPrivate: true, ...options });
  const { port } = await egress.listen(0, '127.0.0.1');
  const sockets: WebSocket[] = [];
  const sessions: Session[] = [];
  t.after(async () => {
    for (const s of sessions) s.close();
    for (const ws of sockets) ws.terminate();
    await egress.close();
  });
  return {
    async session(): Promise<Session> {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, PATH_SUBPROTOCOL, { perMessageDeflate: false });
      sockets.push(ws);
      await once(ws, 'open');
      const { session } = await startSession(webSocketPath(ws), keys.publicKey, 0);
      sessions.push(session);
      return session;
    },
  };
}

/** The OPEN's outcome: the stream, or the RESET reason it got. */
async function open(session: Session, host: string, port: number): Promise<SessionStream | string> {
  try {
    const stream = await session.openStream(host, port);
    stream.on('error', () => {});
    return stream;
  } catch (err) {
    assert.ok(err instanceof StreamError, String(err));
    return err.reason;
  }
}

const isStream = (x: SessionStream | string): x is SessionStream => typeof x !== 'string';

test('a session that opens faster than its rate gets busy; another session is not held up', async (t) => {
  const egress = await egressWith(t, { opensPerSecond: 1, openBurst: 3 });
  const hasty = await egress.session();
  const burst = await Promise.all([1, 2, 3].map(() => open(hasty, '127.0.0.1', targetPort)));
  assert.ok(burst.every(isStream), 'the burst is allowed');
  assert.equal(await open(hasty, '127.0.0.1', targetPort), 'busy');
  const calm = await egress.session();
  assert.ok(isStream(await open(calm, '127.0.0.1', targetPort)));
});

test('destination sockets are capped per session and per egress, and freed when streams end', async (t) => {
  const egress = await egressWith(t, { maxSocketsPerSession: 2, maxSockets: 3 });
  const greedy = await egress.session();
  const held = await Promise.all([1, 2].map(() => open(greedy, '127.0.0.1', targetPort)));
  assert.ok(held.every(isStream));
  assert.equal(await open(greedy, '127.0.0.1', targetPort), 'busy', 'the session has its two');
  const other = await egress.session();
  const third = await open(other, '127.0.0.1', targetPort);
  assert.ok(isStream(third), 'another session still gets one');
  assert.equal(await open(other, '127.0.0.1', targetPort), 'busy', 'the egress has its three');
  const [first] = held;
  if (first === undefined || !isStream(first)) assert.fail('no stream');
  first.destroy();
  let next: SessionStream | string = 'busy';
  for (let i = 0; i < 100 && next === 'busy'; i++) {
    await new Promise((r) => setTimeout(r, 10));
    next = await open(other, '127.0.0.1', targetPort);
  }
  assert.ok(isStream(next), 'a closed stream gives its socket back');
});

test('SMTP is refused, and internal names look like names that do not exist', async (t) => {
  const egress = await egressWith(t, { allowPrivate: false, resolveTimeoutMs: 300, connectTimeoutMs: 2_000 });
  const client = await egress.session();
  assert.equal(await open(client, '192.0.2.1', 25), 'not-allowed', 'port 25 of any address');
  assert.equal(await open(client, 'mx.example.org', 587), 'not-allowed');
  // localhost resolves (to loopback, refused); the other name does not resolve at all. A client must not
  // be able to tell which names the egress's resolver knows.
  const known = await open(client, 'localhost', 80);
  const unknown = await open(client, 'no-such-host.starling-test.invalid', 80);
  assert.equal(known, 'dns-failed');
  assert.equal(unknown, known);
});
