import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinSession } from '../../src/session/client-handshake.js';
import { MessageType } from '../../src/session/wire.js';
import { HandshakeError } from '../../src/shared/errors.js';
import { GOODBYE } from '../../src/shared/path.js';
import { memoryPath, type Tap } from '../helpers/memory-path.js';
import { type Pair, readAll, seeded, sessionPair, sha256 } from '../helpers/session-pair.js';
import { until } from '../helpers/until.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tap that misbehaves once, on the Nth record going client -> egress. */
function hostile(kind: 'tamper' | 'replay' | 'reorder' | 'drop' | 'inject', nth = 20): Tap {
  let records = 0;
  let held: Uint8Array | undefined;
  return (dir, msg) => {
    if (dir !== 'a->b' || msg[1] !== MessageType.record) return [msg];
    records += 1;
    if (held) {
      const first = held;
      held = undefined;
      return [msg, first];
    }
    if (records !== nth) return [msg];
    switch (kind) {
      case 'tamper': {
        const bad = Uint8Array.from(msg);
        bad[bad.length - 20]! ^= 0x40;
        return [bad];
      }
      case 'replay':
        return [msg, msg];
      case 'reorder':
        held = msg;
        return [];
      case 'drop':
        return [];
      case 'inject': {
        const fake = Uint8Array.from(msg);
        fake.fill(7, 10);
        return [fake, msg];
      }
    }
  };
}

/** Uploads through `pair` on a sink stream and checks the egress saw exactly the bytes. */
async function uploadIntact(pair: Pair, bytes: number): Promise<void> {
  const s = await pair.session.openStream('sink', 1);
  const data = seeded(bytes);
  s.end(data);
  assert.equal((await readAll(s)).toString(), sha256(data));
}

for (const kind of ['tamper', 'replay', 'reorder', 'drop', 'inject'] as const) {
  test(`a volunteer that tries to ${kind} records loses its path and nothing is corrupted`, async () => {
    const pair = await sessionPair();
    try {
      const badPath = await pair.addPath(hostile(kind));
      // Send only over the hostile path first, so that the misbehaviour surely hits stream data.
      pair.session.dropPath(0, 1000, 'test: leave only the hostile path');
      await pair.addPath();
      const closedCodes: number[] = [];
      pair.session.on('path-closed', (id: number, code: number) => {
        if (id === badPath) closedCodes.push(code);
      });
      // Enough records (of up to 64 KB) that the hostile path surely carries its 20th while data flows.
      await uploadIntact(pair, 8 * 1024 * 1024);
      await until(() => pair.paths.get(badPath)!.egress.closed, 'the hostile path to close', 3000);
      assert.ok(!pair.session.pathIds.includes(badPath));
      assert.ok(pair.paths.get(badPath)!.egress.closeCode! >= 4400, 'closed as a protocol failure');
    } finally {
      pair.close();
    }
  });
}

test('a path that dies mid-transfer is replaced without losing or repeating a byte', async () => {
  const pair = await sessionPair();
  try {
    await pair.addPath();
    const s = await pair.session.openStream('source', 8 * 1024);
    const got = readAll(s);
    await sleep(5);
    pair.paths.get(0)!.client.kill();
    const third = await pair.addPath();
    assert.ok(pair.session.pathIds.includes(third));
    assert.equal(sha256(await got), sha256(seeded(8 * 1024 * 1024)));
    s.end();
  } finally {
    pair.close();
  }
});

test('the egress tells the client at once when it sees a path close', async () => {
  const pair = await sessionPair();
  try {
    const id = await pair.addPath();
    const p = pair.paths.get(id)!;
    // Only the egress sees the WebSocket close; the data channel side stays silent.
    p.egress.closed = true;
    p.egress.onclose?.(1006, 'gone');
    await until(() => !pair.session.pathIds.includes(id), 'PATH_CLOSED to reach the client', 200);
    await uploadIntact(pair, 100_000);
  } finally {
    pair.close();
  }
});

test('GOODBYE moves traffic off a path before it closes', async () => {
  const pair = await sessionPair();
  try {
    const id = await pair.addPath();
    const leaving: number[] = [];
    pair.session.on('path-leaving', (pathId: number) => leaving.push(pathId));
    const p = pair.paths.get(0)!;
    p.client.onmessage?.(GOODBYE);
    p.egress.onmessage?.(GOODBYE);
    assert.deepEqual(leaving, [0]);
    assert.equal(pair.session.pathCount, 1);
    await uploadIntact(pair, 1024 * 1024);
    assert.ok(pair.session.pathIds.includes(id));
  } finally {
    pair.close();
  }
});

test('a replayed JOIN is refused, and so is a JOIN for an unknown session', async () => {
  const pair = await sessionPair();
  try {
    let captured: Uint8Array | undefined;
    await pair.addPath((dir, msg) => {
      if (dir === 'a->b' && msg[1] === MessageType.join) captured = msg;
      return [msg];
    });
    assert.ok(captured);
    const replay = memoryPath();
    void pair.table.accept(replay.egress);
    const answer = new Promise<Uint8Array>((resolve) => {
      replay.client.onmessage = resolve;
    });
    replay.client.send(captured);
    const refuse = await answer;
    assert.equal(refuse[1], MessageType.refuse);
    assert.equal(refuse[2], 3, 'bad-join');

    const other = await sessionPair();
    const stranger = memoryPath();
    void pair.table.accept(stranger.egress);
    await assert.rejects(joinSession(other.session, stranger.client, 5), HandshakeError);
    other.close();
  } finally {
    pair.close();
  }
});

test('a session with no path expires and frees its streams', async () => {
  const pair = await sessionPair({ egressOptions: { idleTimeoutMs: 150 } });
  try {
    const streams = await Promise.all([1, 2, 3].map((p) => pair.session.openStream('stall', p)));
    assert.equal(pair.table.size, 1);
    assert.equal(pair.table.streamCount, 3);
    pair.paths.get(0)!.client.kill();
    await sleep(50);
    assert.equal(pair.table.size, 1, 'kept while within the idle timeout');
    await until(() => pair.table.size === 0, 'the session to expire', 2000);
    assert.equal(pair.table.streamCount, 0);
    for (const s of streams) s.destroy();
  } finally {
    pair.close();
  }
});

test('a session takes no more than maxPathsPerSession paths', async () => {
  const pair = await sessionPair({ egressOptions: { maxPathsPerSession: 2 } });
  try {
    await pair.addPath();
    await assert.rejects(pair.addPath(), /path limit/);
    assert.equal(pair.session.pathIds.length, 2);
  } finally {
    pair.close();
  }
});

test('a process that stalls past the path timeout keeps its paths: the pause is not silence (session-v1 §5.3)', async () => {
  const pair = await sessionPair({ options: { pathTimeoutMs: 1000, pingIntervalMs: 250 } });
  try {
    await pair.addPath();
    let cut = false;
    const dead = await pair.addPath((_dir, msg) => (cut ? [] : [msg]));
    await until(() => pair.session.pathCount === 3, 'three paths up', 3000);
    await uploadIntact(pair, 10_000);
    cut = true;
    // A long GC pause, a stopped process, a laptop lid: the event loop runs nothing for 2.5 s, on both
    // sides (one process), so no message could have been read even if it had arrived.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
    // The path that really went silent still fails, one liveness limit after the pause.
    await until(() => !pair.session.pathIds.includes(dead), 'the silent path to fail', 3000);
    assert.equal(pair.session.pathCount, 2, 'no live path failed for the pause');
    for (const [id, { client, egress }] of pair.paths) {
      if (id === dead) continue;
      assert.equal(client.closed, false);
      assert.equal(egress.closed, false);
    }
    await uploadIntact(pair, 10_000);
  } finally {
    pair.close();
  }
});
