/**
 * The egress's SIGNAL forwarder (session-v1 §4.4, signaling-v1 §12) against a real HTTP server standing for
 * the broker: it posts to the route the SIGNAL names under the configured broker only, passes status, body
 * and Retry-After back, and answers status 0 with a reason when the broker is down, silent or too wordy, or
 * the session's rate is spent.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { signalForwarder } from '../../src/egress/signal-forward.js';
import type { Session } from '../../src/session/session.js';
import type { SignalReply, SignalRoute } from '../../src/session/signal.js';
import { EGRESS_TOKEN_HEADER, isSessionId, SESSION_HEADER } from '../../src/signaling/tunnel-source.js';

async function broker(handler: Parameters<typeof createServer>[1]) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    handler!(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A stand-in for the egress's Session: only its 'signal' and 'closed' events matter here. */
function fakeSession() {
  const s = new EventEmitter();
  const send = (route: number, body: string) =>
    new Promise<SignalReply>((reply) =>
      s.emit('signal', { route: route as SignalRoute, body: new TextEncoder().encode(body), reply }),
    );
  return { session: s as unknown as Session, send, close: () => s.emit('closed') };
}

const text = (r: SignalReply) => new TextDecoder().decode(r.body);
const opts = { timeoutMs: 2000, ratePerSec: 0.001, burst: 2 };

test('a SIGNAL is posted to the broker route it names, and the answer comes back whole', async () => {
  const b = await broker((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(429, { 'retry-after': '3', 'content-type': req.headers['content-type'] ?? '' });
      res.end(`echo ${body}`);
    });
  });
  try {
    const f = fakeSession();
    signalForwarder({ ...opts, broker: b.url }).attach(f.session);
    const r = await f.send(2, '{"a":1}');
    assert.deepEqual([r.status, r.retryAfterMs, text(r)], [429, 3000, 'echo {"a":1}']);
    const info = await f.send(1, '');
    assert.equal(info.status, 429);
    assert.deepEqual(b.seen, ['POST /base/v1/client/offer', 'GET /base/v1/info']);
    const spent = await f.send(4, 'x');
    assert.equal(spent.status, 0, 'the third exchange is over the burst of 2');
    assert.match(text(spent), /too many/);
    assert.ok(spent.retryAfterMs > 0);
  } finally {
    await b.close();
  }
});

test('a broker down, silent or answering too much gives status 0 with the reason', async () => {
  const b = await broker((req, res) => {
    if (req.url?.endsWith('/v1/client/outcome')) return; // never answers
    res.end(Buffer.alloc(20_000));
  });
  try {
    const f = fakeSession();
    signalForwarder({ ...opts, burst: 5, timeoutMs: 300, broker: b.url }).attach(f.session);
    const wordy = await f.send(4, 'x');
    assert.deepEqual([wordy.status, text(wordy)], [0, 'the broker answered more than 16384 bytes']);
    const silent = await f.send(3, '{}');
    assert.deepEqual([silent.status, text(silent)], [0, 'no answer from the broker within 300 ms']);
    await b.close();
    const down = await f.send(2, '{}');
    assert.deepEqual([down.status, text(down)], [0, 'broker unreachable']);
  } finally {
    await b.close().catch(() => undefined);
  }
});

test('with --broker-token each request carries the token and its session id, one per session', async () => {
  const heard: { token?: string | string[]; session?: string | string[] }[] = [];
  const b = await broker((req, res) => {
    heard.push({ token: req.headers[EGRESS_TOKEN_HEADER], session: req.headers[SESSION_HEADER] });
    res.end('{}');
  });
  try {
    const token = 'a-token-of-at-least-32-characters-long';
    const forwarder = signalForwarder({ ...opts, burst: 5, broker: b.url, token: ` ${token}\n` });
    const one = fakeSession();
    const two = fakeSession();
    forwarder.attach(one.session);
    forwarder.attach(two.session);
    await one.send(1, '');
    await one.send(2, '{}');
    await two.send(3, '{}');
    assert.deepEqual(
      heard.map((h) => h.token),
      [token, token, token],
    );
    const [a, b1, c] = heard.map((h) => h.session);
    assert.ok(isSessionId(a), `a session id: ${String(a)}`);
    assert.equal(b1, a, 'one session keeps its id');
    assert.ok(isSessionId(c) && c !== a, 'another session has another');

    heard.length = 0;
    const plain = fakeSession();
    signalForwarder({ ...opts, broker: b.url }).attach(plain.session);
    await plain.send(2, '{}');
    assert.deepEqual(heard, [{ token: undefined, session: undefined }], 'without a token, neither header');
  } finally {
    await b.close();
  }
});

test('a broker token must be 32 or more visible characters', () => {
  assert.throws(() => signalForwarder({ ...opts, broker: 'http://b/', token: 'short' }), /32 to 512/);
  assert.throws(
    () =>
      signalForwarder({
        ...opts,
        broker: 'http://b/',
        token: 'has spaces in it, which no header keeps whole',
      }),
    /32 to 512/,
  );
});

test('--broker must be an http: or https: URL', () => {
  assert.throws(() => signalForwarder({ ...opts, broker: 'file:///etc/passwd' }), /http: or https:/);
  assert.throws(() => signalForwarder({ ...opts, broker: 'not a url' }), /not a URL/);
});
