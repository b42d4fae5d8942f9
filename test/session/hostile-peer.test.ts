/**
 * Hostile peers against the session protocol (issue 9, findings 4, 5, 6, 10): a client that replays or
 * withholds handshakes, floods PINGs, withholds records to fill the reorder buffer; a volunteer that withholds a
 * JOIN. In-memory paths (test/helpers/memory-path.ts) against the egress's real SessionTable; the real-WebSocket
 * versions are in test/egress/admission.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionTable } from '../../src/egress/sessions.js';
import { joinSession, startSession } from '../../src/session/client-handshake.js';
import { FrameType } from '../../src/session/frames.js';
import { generateKeyPair } from '../../src/session/noise.js';
import { MessageType, readRecordHeader } from '../../src/session/wire.js';
import { HandshakeError, StreamError } from '../../src/shared/errors.js';
import { SESSION_DEFAULTS } from '../../src/shared/limits.js';
import { CloseCode } from '../../src/shared/path.js';
import { firstReply, HostileClient, makeHello } from '../helpers/hostile-client.js';
import { memoryPath } from '../helpers/memory-path.js';
import { readAll, seeded, sessionPair, sha256, testDestinations } from '../helpers/session-pair.js';
import { until } from '../helpers/until.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a replayed HELLO never becomes a session, and honest clients still get in (finding 4)', async () => {
  const keys = generateKeyPair();
  const table = new SessionTable(keys, testDestinations, { maxSessions: 50 });
  try {
    const { hello } = makeHello(keys.publicKey);
    const replies = Array.from({ length: 200 }, () => {
      const p = memoryPath();
      void table.accept(p.egress);
      const reply = firstReply(p.client, 3000);
      p.client.send(hello);
      return reply;
    });
    const answers = await Promise.all(replies);
    const accepted = answers.filter((m) => m?.[1] === MessageType.helloReply).length;
    assert.ok(accepted <= 1, `one HELLO is answered at most once (${accepted} times)`);
    assert.equal(table.size, 0, 'no session without the client proving its keys');
    const honest = memoryPath();
    void table.accept(honest.egress);
    const { session } = await startSession(honest.client, keys.publicKey, 0);
    const s = await session.openStream('echo', 1);
    s.end(Buffer.from('through'));
    assert.equal((await readAll(s)).toString(), 'through');
    assert.equal(table.size, 1);
    session.close();
  } finally {
    table.close();
  }
});

test('a HELLO whose client never speaks holds no session and is dropped after halfOpenTimeoutMs', async () => {
  const keys = generateKeyPair();
  const table = new SessionTable(keys, testDestinations, { halfOpenTimeoutMs: 200 });
  try {
    const p = memoryPath();
    void table.accept(p.egress);
    await HostileClient.connect(p.client, keys.publicKey);
    assert.equal(table.size, 0, 'half-open is not a session');
    await until(() => p.client.closed, 'the half-open path to close', 3000);
    assert.equal(p.client.closeCode, CloseCode.timeout);
    assert.equal(table.size, 0);
  } finally {
    table.close();
  }
});

test('a first record that does not authenticate closes the path and makes no session', async () => {
  const keys = generateKeyPair();
  const table = new SessionTable(keys, testDestinations);
  try {
    const p = memoryPath();
    void table.accept(p.egress);
    await HostileClient.connect(p.client, keys.publicKey);
    const junk = Buffer.alloc(60, 7);
    junk[0] = 1;
    junk[1] = MessageType.record;
    p.client.send(junk);
    await until(() => p.client.closed, 'the path to close', 3000);
    assert.equal(table.size, 0);
  } finally {
    table.close();
  }
});

test('a HELLO made long ago is refused, saying why', async () => {
  const keys = generateKeyPair();
  const table = new SessionTable(keys, testDestinations);
  try {
    const p = memoryPath();
    void table.accept(p.egress);
    const { hello } = makeHello(keys.publicKey, 0, Date.now() - 3_600_000);
    const reply = firstReply(p.client);
    p.client.send(hello);
    const msg = await reply;
    assert.equal(msg?.[1], MessageType.refuse);
    assert.match(Buffer.from(msg!.subarray(3)).toString(), /clock/);
    assert.equal(table.size, 0);
  } finally {
    table.close();
  }
});

test('withholding record 0 cannot make the egress buffer more than the session window (finding 5)', async () => {
  const keys = generateKeyPair();
  const table = new SessionTable(keys, testDestinations);
  try {
    const p = memoryPath();
    void table.accept(p.egress);
    const c = await HostileClient.connect(p.client, keys.publicKey);
    c.greet();
    const chunk = Buffer.alloc(60_000, 1);
    // 24 MB of records 1..400, all waiting for a record 0 that never comes.
    for (let seq = 1; seq <= 400; seq++)
      c.sendReliable(seq, [{ type: FrameType.data, streamId: 1, data: chunk }]);
    await until(() => p.client.closed, 'the path to close with a protocol error', 5000);
    assert.equal(p.client.closeCode, CloseCode.protocol);
    const session = table.find(c.sessionId);
    assert.ok(session, 'the session stays; only the path went');
    const bound = SESSION_DEFAULTS.sessionWindow + SESSION_DEFAULTS.reorderSlackBytes;
    assert.ok(session.stats.bufferedBytes <= bound, `${session.stats.bufferedBytes} bytes held`);
  } finally {
    table.close();
  }
});

test('a record full of PINGs is a protocol error, answered by no flood of PONGs (finding 6)', async () => {
  const keys = generateKeyPair();
  const table = new SessionTable(keys, testDestinations);
  try {
    const p = memoryPath();
    void table.accept(p.egress);
    const c = await HostileClient.connect(p.client, keys.publicKey);
    c.greet();
    const pings = Buffer.alloc(5 * 1000);
    for (let i = 0; i < 1000; i++) {
      pings[5 * i] = FrameType.ping;
      pings.writeUInt32BE(i, 5 * i + 1);
    }
    c.sendRawUnreliable(pings);
    await until(() => p.client.closed, 'the path to close', 3000);
    assert.equal(p.client.closeCode, CloseCode.protocol);
    assert.ok(c.received.length < 10, `${c.received.length} records came back`);
  } finally {
    table.close();
  }
});

test('a path that sends unreliable records faster than pathControlRecordsPerSecond is closed (finding 6)', async () => {
  const keys = generateKeyPair();
  const table = new SessionTable(keys, testDestinations);
  try {
    const p = memoryPath();
    void table.accept(p.egress);
    const c = await HostileClient.connect(p.client, keys.publicKey);
    c.greet();
    const start = performance.now();
    for (let i = 0; i < 5000; i++) c.sendRawUnreliable(Buffer.from([FrameType.ping, 0, 0, i >> 8, i & 0xff]));
    await until(() => p.client.closed, 'the path to close', 10_000);
    assert.equal(p.client.closeCode, CloseCode.protocol);
    // The burst, plus what the rate refilled while a loaded machine took its time over the 5000 records.
    const limit = SESSION_DEFAULTS.pathControlRecordsPerSecond;
    const refill = (limit * (performance.now() - start)) / 1000;
    assert.ok(c.received.length <= limit + refill + 50, `${c.received.length} records came back`);
    assert.ok(c.received.length < 5000 / 2, 'most of the flood got nothing back');
  } finally {
    table.close();
  }
});

test('PONGs and other control records stop at the queue bound of a path that does not drain (finding 6)', async () => {
  const keys = generateKeyPair();
  // No rate cap here: this is about the queue bound alone.
  const options = { pathHighWater: 16 * 1024, pathLowWater: 8 * 1024, pathControlRecordsPerSecond: 1e6 };
  const table = new SessionTable(keys, testDestinations, options);
  try {
    const p = memoryPath();
    void table.accept(p.egress);
    const c = await HostileClient.connect(p.client, keys.publicKey);
    // From now on the egress's side of the path never drains: a volunteer that stopped reading.
    p.egress.send = (m: Uint8Array) => {
      p.egress.bufferedAmount += m.length;
    };
    c.greet();
    for (let i = 0; i < 20_000; i++)
      c.sendRawUnreliable(Buffer.from([FrameType.ping, 0, 0, i >> 8, i & 0xff]));
    await sleep(300);
    const bound =
      options.pathHighWater + SESSION_DEFAULTS.pathControlHeadroom + SESSION_DEFAULTS.maxMessageBytes;
    assert.ok(p.egress.bufferedAmount <= bound, `${p.egress.bufferedAmount} bytes queued, bound ${bound}`);
  } finally {
    table.close();
  }
});

test('an OPEN with a host too long to encode fails that open, not the session or the process', async () => {
  const pair = await sessionPair();
  try {
    await assert.rejects(pair.session.openStream('a'.repeat(300), 80), StreamError);
    await sleep(20);
    const s = await pair.session.openStream('echo', 1);
    s.end(Buffer.from('alive'));
    assert.equal((await readAll(s)).toString(), 'alive');
  } finally {
    pair.close();
  }
});

test('a path closes itself before its record numbers run out, and never seals past them (finding 10)', async () => {
  const highest = { 'a->b': -1, 'b->a': -1 };
  const pair = await sessionPair({
    options: { pathMaxRecords: 20 },
    tap: (dir, msg) => {
      if (msg[1] === MessageType.record) highest[dir] = Math.max(highest[dir], readRecordHeader(msg).pathSeq);
      return [msg];
    },
  });
  try {
    const closed: string[] = [];
    pair.session.on('path-closed', (_id: number, _code: number, reason: string) => closed.push(reason));
    const s = await pair.session.openStream('echo', 1);
    s.on('error', () => {});
    for (let i = 0; i < 40 && closed.length === 0; i++) {
      s.write(Buffer.alloc(100, i));
      await sleep(3);
    }
    await until(() => closed.length > 0, 'the path to close', 3000);
    assert.match(closed[0]!, /exhausted/);
    assert.ok(highest['a->b'] < 20 && highest['b->a'] < 20, `highest pathSeq ${JSON.stringify(highest)}`);
  } finally {
    pair.close();
  }
});

test('a JOIN a volunteer withheld and let through later gets no data (finding 10)', async () => {
  const pair = await sessionPair({
    options: { handshakeTimeoutMs: 300 },
    egressOptions: { handshakeTimeoutMs: 10_000 },
  });
  try {
    let held: Uint8Array | undefined;
    let toWithheld = 0;
    const p = memoryPath((dir, msg) => {
      if (dir === 'a->b' && msg[1] === MessageType.join && held === undefined) {
        held = msg;
        return [];
      }
      if (dir === 'b->a') toWithheld += msg.length;
      return [msg];
    });
    void pair.table.accept(p.egress);
    await assert.rejects(joinSession(pair.session, p.client, 7), /no answer/);
    // The client has given up on path 7; the volunteer lets the JOIN through now.
    p.egress.onmessage?.(held!);
    const s = await pair.session.openStream('source', 4096);
    const got = await readAll(s);
    s.end();
    assert.equal(sha256(got), sha256(seeded(4096 * 1024)));
    assert.ok(toWithheld < 4096, `${toWithheld} bytes went to the withheld path`);
    await until(() => p.egress.closed, 'liveness to close the withheld path', 5000);
  } finally {
    pair.close();
  }
});

test('GOAWAY: the egress drains, streams finish, new ones and new sessions are refused', async () => {
  const pair = await sessionPair();
  try {
    const s = await pair.session.openStream('echo', 1);
    const told = new Promise<number>((resolve) => pair.session.once('goaway', resolve));
    const drained = pair.table.shutdown(5000);
    assert.ok((await told) <= 5000);
    await assert.rejects(pair.session.openStream('echo', 2), StreamError);
    const fresh = memoryPath();
    void pair.table.accept(fresh.egress);
    await assert.rejects(startSession(fresh.client, pair.keys.publicKey, 0), HandshakeError);
    s.end(Buffer.from('finished'));
    assert.equal((await readAll(s)).toString(), 'finished');
    await drained;
    assert.equal(pair.table.size, 0);
  } finally {
    pair.close();
  }
});
