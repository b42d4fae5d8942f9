/** session-v1 §1, §3.1, §4: the record body and envelope codecs at their edges. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decodeBody, encodeBody, type Frame, FrameType, MAX_U48 } from '../../src/session/frames.js';
import {
  decodeHelloPayload,
  decodeJoin,
  decodeRefuse,
  encodeHelloPayload,
  encodeJoinHead,
  encodeRefuse,
  MessageType,
  messageType,
  VERSION,
} from '../../src/session/wire.js';
import { ProtocolError } from '../../src/shared/errors.js';
import { GOODBYE } from '../../src/shared/path.js';

const U32 = 0xffff_ffff;

const edgeFrames: Frame[] = [
  { type: FrameType.open, streamId: 1, host: 'a', port: 0 },
  { type: FrameType.open, streamId: U32, host: 'h'.repeat(255), port: 65535 },
  { type: FrameType.open, streamId: 3, host: '2001:db8::1', port: 443 },
  { type: FrameType.open, streamId: 5, host: 'пример.рф', port: 80 },
  { type: FrameType.opened, streamId: U32 },
  { type: FrameType.data, streamId: 1, data: Buffer.from([0]) },
  { type: FrameType.data, streamId: 7, data: Buffer.alloc(65535, 0xab) },
  { type: FrameType.end, streamId: 0 },
  { type: FrameType.reset, streamId: 9, code: 255 },
  { type: FrameType.maxData, streamId: 0, max: MAX_U48 },
  { type: FrameType.maxData, streamId: U32, max: 0 },
];

test('every reliable frame survives a round trip at its boundary values', () => {
  for (const seq of [0, 1, MAX_U48]) {
    const body = decodeBody(encodeBody(seq, edgeFrames));
    assert.equal(body.seq, seq);
    assert.deepEqual(body.frames, edgeFrames);
  }
});

test('unreliable frames round trip and may not carry stream frames', () => {
  const frames: Frame[] = [
    { type: FrameType.ack, next: MAX_U48 },
    { type: FrameType.ping, id: U32 },
    { type: FrameType.pong, id: 0 },
    { type: FrameType.pathClosed, pathId: U32, reason: 7 },
  ];
  assert.deepEqual(decodeBody(encodeBody(undefined, frames)), { seq: undefined, frames });
  const smuggled = encodeBody(undefined, [{ type: FrameType.ping, id: 1 }]);
  const withData = Buffer.concat([smuggled, Buffer.from([FrameType.end, 0, 0, 0, 1])]);
  assert.throws(() => decodeBody(withData), ProtocolError);
});

test('every truncation of a valid body is a ProtocolError, never a crash or a short read', () => {
  const full = encodeBody(42, edgeFrames.slice(0, 6));
  for (let n = 0; n < full.length; n++) {
    const cut = full.subarray(0, n);
    try {
      const body = decodeBody(cut);
      // A cut exactly between two frames is a valid, shorter body: it must decode to a prefix.
      assert.deepEqual(body.frames, edgeFrames.slice(0, body.frames.length));
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `length ${n}: ${(e as Error).message}`);
    }
  }
});

test('malformed bodies are rejected with reasons', () => {
  const cases: [string, Buffer][] = [
    ['unknown flags', Buffer.from([0x80, FrameType.ping, 0, 0, 0, 1])],
    ['unknown frame type', Buffer.from([0x00, 0x66])],
    ['no frames', Buffer.from([0x00])],
    ['empty OPEN host', Buffer.from([1, 0, 0, 0, 0, 0, 0, FrameType.open, 0, 0, 0, 1, 0, 80, 0])],
    ['empty DATA', Buffer.from([1, 0, 0, 0, 0, 0, 0, FrameType.data, 0, 0, 0, 1, 0, 0])],
    ['DATA longer than the record', Buffer.from([1, 0, 0, 0, 0, 0, 0, FrameType.data, 0, 0, 0, 1, 0, 9, 1])],
  ];
  for (const [what, b] of cases) assert.throws(() => decodeBody(b), ProtocolError, what);
});

test('random garbage never crashes the decoder', () => {
  for (let i = 0; i < 5000; i++) {
    const b = randomBytes(1 + (i % 64));
    try {
      decodeBody(b);
    } catch (e) {
      assert.ok(e instanceof ProtocolError);
    }
  }
});

test("the volunteer's GOODBYE (src/shared/path.ts) is the session's GOODBYE envelope", () => {
  assert.deepEqual([...GOODBYE], [VERSION, MessageType.goodbye]);
  assert.equal(messageType(GOODBYE, 100), MessageType.goodbye);
});

test('the envelope checks version and size first', () => {
  assert.equal(messageType(Uint8Array.of(VERSION, 0x10, 0), 100), 0x10);
  assert.throws(() => messageType(Uint8Array.of(VERSION), 100), ProtocolError);
  assert.throws(() => messageType(Uint8Array.of(2, 0x10), 100), /version/);
  assert.throws(() => messageType(new Uint8Array(101).fill(1), 100), /exceeds/);
});

test('HELLO, JOIN and REFUSE payloads round trip; short ones are refused', () => {
  const hello = { pathId: U32, streamWindow: 1024, sessionWindow: U32, time: 2 ** 48 - 1 };
  assert.deepEqual(decodeHelloPayload(encodeHelloPayload(hello)), hello);
  assert.throws(() => decodeHelloPayload(new Uint8Array(17)), ProtocolError);
  const head = encodeJoinHead(Buffer.alloc(16, 9), 77);
  const join = decodeJoin(Buffer.concat([head, Buffer.alloc(16, 1)]));
  assert.equal(join.pathId, 77);
  assert.deepEqual(join.sessionId, Buffer.alloc(16, 9));
  assert.throws(() => decodeJoin(head), ProtocolError);
  const refuse = decodeRefuse(encodeRefuse(2, 'x'.repeat(500)));
  assert.equal(refuse.code, 2);
  assert.equal(refuse.reason.length, 200);
});
