/**
 * What a censor watching a path can measure (issue 12 §5; session-v1 §3.1 padding, §5.3 jittered pings):
 * small records come in a few padded sizes, and PINGs keep no beat.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AEAD_TAG_BYTES, open } from '../../src/session/aead.js';
import { decodeBody, encodeBody, FrameType, PAD_BUCKETS, padBody } from '../../src/session/frames.js';
import { PathState } from '../../src/session/path-state.js';
import type { PathTransport } from '../../src/session/transport.js';
import { RECORD_HEADER_BYTES, recordNonce } from '../../src/session/wire.js';
import { ProtocolError } from '../../src/shared/errors.js';
import { sessionPair } from '../helpers/session-pair.js';
import { until } from '../helpers/until.js';

const OVERHEAD = RECORD_HEADER_BYTES + AEAD_TAG_BYTES;

test('bodies are padded to the next bucket, and padding decodes to nothing', () => {
  for (const n of [1, 8, 127, 128, 129, 511, 512, 513, 1023, 1024, 1025, 16_000]) {
    const body = new Uint8Array(n).fill(7);
    const padded = padBody(body);
    const bucket = PAD_BUCKETS.find((b) => n <= b);
    assert.equal(padded.length, bucket ?? n, `a body of ${n}`);
    assert.deepEqual(padded.subarray(0, n), body);
  }
  const ack = encodeBody(undefined, [{ type: FrameType.ack, next: 42 }]);
  assert.deepEqual(decodeBody(Buffer.from(padBody(ack))), decodeBody(ack));
  const data = encodeBody(9, [{ type: FrameType.data, streamId: 1, data: Buffer.from('hi') }]);
  const decoded = decodeBody(Buffer.from(padBody(data)));
  assert.equal(decoded.seq, 9);
  assert.equal(decoded.frames.length, 1);
});

test('padding that is not zero, or a body of padding alone, is a protocol error', () => {
  const padded = Buffer.from(padBody(encodeBody(undefined, [{ type: FrameType.ping, id: 1 }])));
  padded[100] = 1;
  assert.throws(() => decodeBody(padded), ProtocolError);
  assert.throws(() => decodeBody(Buffer.from([0, 0, 0, 0])), /record with no frames/);
});

test('every record of a session that idles and types comes in a bucket size', async () => {
  const sizes = new Map<number, number>();
  const pair = await sessionPair({
    tap: (_direction, msg) => {
      if (msg[1] === 0x10) sizes.set(msg.length - OVERHEAD, (sizes.get(msg.length - OVERHEAD) ?? 0) + 1);
      return [msg];
    },
  });
  try {
    const stream = await pair.session.openStream('echo', 7);
    for (const key of ['l', 's', ' ', '-', 'l', '\n']) {
      stream.write(key);
      await new Promise((r) => setTimeout(r, 30));
    }
    let echoed = '';
    stream.on('data', (d: Buffer) => (echoed += d));
    await until(() => echoed === 'ls -l\n', 'the echo');
    await new Promise((r) => setTimeout(r, 700)); // pings and acks of an idle session
    stream.destroy();
  } finally {
    pair.close();
  }
  const seen = [...sizes.keys()].sort((a, b) => a - b);
  assert.ok(sizes.size > 0);
  assert.deepEqual(
    seen.filter((n) => !PAD_BUCKETS.includes(n)),
    [],
    `record body sizes seen: ${seen.join(', ')}`,
  );
});

test('a path waits a different time before each PING: half to one and a half intervals', () => {
  const sent: Uint8Array[] = [];
  const transport: PathTransport = {
    bufferedAmount: 0,
    send: (m: Uint8Array) => sent.push(m),
    close() {},
    onmessage: null,
    onclose: null,
    ondrain: null,
  };
  const key = randomBytes(32);
  const limits = {
    pathMaxRecords: 1e9,
    pathHighWater: 1 << 20,
    pathControlHeadroom: 1 << 16,
    pathControlRecordsPerSecond: 500,
    pathInitialInflight: 1 << 19,
    pathMinInflight: 1 << 16,
    pathMaxInflight: 1 << 21,
    ackEveryRecords: 16,
    ackDelayMs: 20,
    maxRecordBytes: 64_064,
    recordRampStartBytes: 1100,
    recordRampIdleMs: 1000,
  };
  const path = new PathState(3, transport, key, key, limits, true);
  const pingsAt: number[] = [];
  for (let now = 1_000_000; pingsAt.length < 60; now += 1) {
    const before = sent.length;
    path.pingIfDue(now, 250, 1_000);
    if (sent.length === before) continue;
    pingsAt.push(now);
    // Answer it at once, so the next one waits only for its gap.
    const msg = sent.at(-1)!;
    const body = open(key, recordNonce(3, sent.length - 1), msg.subarray(0, 10), msg.subarray(10));
    assert.ok(body);
    const frame = decodeBody(Buffer.from(body)).frames[0]!;
    assert.equal(frame.type, FrameType.ping);
    if (frame.type === FrameType.ping) path.pong(frame.id, now);
  }
  const gaps = pingsAt.slice(2).map((t, i) => t - pingsAt[i + 1]!);
  const min = Math.min(...gaps);
  const max = Math.max(...gaps);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(min >= 125 && max <= 376, `gaps within [125, 375] ms: ${min}..${max}`);
  assert.ok(max - min > 100, `gaps vary: ${min}..${max}`);
  assert.ok(mean > 200 && mean < 300, `mean gap near the interval: ${mean}`);
});
