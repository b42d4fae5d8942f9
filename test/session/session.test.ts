import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionTable } from '../../src/egress/sessions.js';
import { startSession } from '../../src/session/client-handshake.js';
import { generateKeyPair } from '../../src/session/noise.js';
import { HandshakeError, StreamError } from '../../src/shared/errors.js';
import { memoryPath } from '../helpers/memory-path.js';
import { readAll, seeded, sessionPair, sha256, testDestinations } from '../helpers/session-pair.js';

test('a stream echoes through the session, byte for byte', async () => {
  const pair = await sessionPair();
  try {
    const s = await pair.session.openStream('echo', 7);
    const data = seeded(3 * 1024 * 1024 + 17);
    s.end(data);
    const back = await readAll(s);
    assert.equal(sha256(back), sha256(data));
  } finally {
    pair.close();
  }
});

test('downloads and uploads on 20 concurrent streams arrive intact', async () => {
  const pair = await sessionPair();
  try {
    const jobs = Array.from({ length: 20 }, async (_, i) => {
      if (i % 2 === 0) {
        const s = await pair.session.openStream('source', 200 + i);
        const got = await readAll(s);
        s.end();
        assert.equal(sha256(got), sha256(seeded((200 + i) * 1024)));
      } else {
        const s = await pair.session.openStream('sink', 1);
        const data = seeded(150 * 1024 + i);
        s.end(data);
        const reply = await readAll(s);
        assert.equal(reply.toString(), sha256(data));
      }
    });
    await Promise.all(jobs);
    for (let i = 0; i < 50 && pair.table.streamCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(pair.table.streamCount, 0, 'finished streams are forgotten at the egress');
  } finally {
    pair.close();
  }
});

test('a refused destination rejects with its reason and the session carries on', async () => {
  const pair = await sessionPair();
  try {
    await assert.rejects(pair.session.openStream('refused', 80), (e: unknown) => {
      assert.ok(e instanceof StreamError);
      assert.equal(e.reason, 'refused');
      assert.equal(e.socksReply, 0x05);
      return true;
    });
    const s = await pair.session.openStream('echo', 1);
    s.end(Buffer.from('still here'));
    assert.equal((await readAll(s)).toString(), 'still here');
  } finally {
    pair.close();
  }
});

test('a client that pinned another key refuses to connect, saying so', async () => {
  const egressKeys = generateKeyPair();
  const table = new SessionTable(egressKeys, testDestinations);
  const p = memoryPath();
  void table.accept(p.egress);
  await assert.rejects(startSession(p.client, generateKeyPair().publicKey, 0), (e: unknown) => {
    assert.ok(e instanceof HandshakeError);
    assert.match(e.message, /key/);
    return true;
  });
  assert.equal(table.size, 0);
  table.close();
});

test('flow control: a reader that stalls bounds what is sent to its window', async () => {
  const streamWindow = 64 * 1024;
  const pair = await sessionPair({ options: { streamWindow, sessionWindow: 256 * 1024 } });
  try {
    const s = await pair.session.openStream('stall', 1);
    const chunk = Buffer.alloc(16 * 1024, 1);
    let refusedWrite = false;
    for (let i = 0; i < 200 && !refusedWrite; i++) refusedWrite = !s.write(chunk);
    assert.ok(refusedWrite, 'write() pushes back once the window and the send queue are full');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.sentOffset, streamWindow, 'exactly one window was sent, no more');
    assert.ok(s.queuedBytes > 0, 'the rest waits at the sender');
    // A second stream still flows: one stalled reader does not block the session.
    const e = await pair.session.openStream('echo', 2);
    e.end(Buffer.from('independent'));
    assert.equal((await readAll(e)).toString(), 'independent');
    s.destroy();
  } finally {
    pair.close();
  }
});

test('the session window bounds the sum over streams', async () => {
  const sessionWindow = 128 * 1024;
  const pair = await sessionPair({ options: { streamWindow: 64 * 1024, sessionWindow } });
  try {
    const streams = await Promise.all([1, 2, 3, 4].map((p) => pair.session.openStream('stall', p)));
    for (const s of streams) s.write(Buffer.alloc(100 * 1024, 2));
    await new Promise((r) => setTimeout(r, 200));
    const sent = streams.reduce((n, s) => n + s.sentOffset, 0);
    assert.equal(sent, sessionWindow);
    for (const s of streams) s.destroy();
  } finally {
    pair.close();
  }
});

test('streams whose reader stalled do not starve another stream (session window >> stream window)', async () => {
  const pair = await sessionPair();
  try {
    const { streamWindow } = pair.session.options;
    const stalled = 8; // apps that stopped reading, each holding a full stream window
    const unread = await Promise.all(
      Array.from({ length: stalled }, () => pair.session.openStream('source', (streamWindow / 1024) * 2)),
    );
    await new Promise((r) => setTimeout(r, 200));
    const s = await pair.session.openStream('source', 100);
    const got = await readAll(s);
    assert.equal(
      sha256(got),
      sha256(seeded(100 * 1024)),
      `a fresh stream flows past ${stalled} stalled ones`,
    );
    for (const u of unread) u.destroy();
  } finally {
    pair.close();
  }
});
