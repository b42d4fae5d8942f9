/** session-v1 §3.1 and §5.2 as plain data structures: in-order delivery and resend bookkeeping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Frame, FrameType } from '../../src/session/frames.js';
import { ReorderBuffer } from '../../src/session/reorder.js';
import { SendBuffer } from '../../src/session/send-buffer.js';
import { ProtocolError } from '../../src/shared/errors.js';

const f = (streamId: number): Frame[] => [{ type: FrameType.end, streamId }];
const ids = (ready: Frame[][]) => ready.map((frames) => (frames[0] as { streamId: number }).streamId);

test('the reorder buffer delivers once, in order, and bounds what arrives early', () => {
  const r = new ReorderBuffer(4, 10_000);
  assert.deepEqual(ids(r.accept(1, f(1), 10)), []);
  assert.deepEqual(ids(r.accept(2, f(2), 10)), []);
  assert.deepEqual(ids(r.accept(2, f(2), 10)), [], 'a resend of a buffered record is dropped');
  assert.equal(r.bufferedBytes, 2 * (10 + 64), 'bodies plus 64 bytes each');
  assert.deepEqual(ids(r.accept(0, f(0), 10)), [0, 1, 2]);
  assert.equal(r.next, 3);
  assert.equal(r.buffered, 0);
  assert.equal(r.bufferedBytes, 0);
  assert.deepEqual(ids(r.accept(1, f(1), 10)), [], 'a resend of a delivered record is dropped');
  assert.throws(() => r.accept(7, f(7), 10), ProtocolError);
  assert.deepEqual(ids(r.accept(6, f(6), 10)), [], 'the last place in the window is allowed');
});

test('the reorder buffer bounds the bytes that arrive early, not only the records (finding 5)', () => {
  const r = new ReorderBuffer(4096, 1000);
  assert.deepEqual(ids(r.accept(1, f(1), 400)), []);
  assert.deepEqual(ids(r.accept(2, f(2), 400)), []);
  assert.throws(() => r.accept(3, f(3), 400), /reorder buffer full/);
  assert.deepEqual(
    ids(r.accept(0, f(0), 60_000)),
    [0, 1, 2],
    'the next record is never held, whatever its size',
  );
  assert.equal(r.bufferedBytes, 0);
});

test('the send buffer frees on ACK and resends a dead path in seq order', () => {
  const b = new SendBuffer();
  const paths = [1, 2, 1, 2, 1];
  for (const [i, p] of paths.entries()) b.add(Buffer.from([p]), p, i);
  assert.equal(b.size, 5);
  b.ack(1);
  assert.equal(b.size, 4);
  assert.throws(() => b.ack(9), ProtocolError, 'an ACK for records never sent');
  assert.equal(b.requeue(1), 2, 'seq 2 and 4 were last sent on path 1');
  assert.equal(b.requeue(2), 2);
  const order: number[] = [];
  for (let u = b.peekResend(); u; u = b.peekResend()) {
    order.push(u.body[0]!);
    b.takeResend(3).pathSeq = order.length - 1;
  }
  assert.deepEqual(order, [2, 1, 2, 1], 'seq 1, 2, 3, 4 in order whatever path they were on');
  b.ack(3);
  assert.equal(b.requeue(3), 2, 'only the unacknowledged ones move again');
  b.ack(5);
  assert.equal(b.peekResend(), undefined, 'acknowledged while waiting: skipped');
});

test('a dead path resends only what its PATH_ACK did not say arrived', () => {
  const b = new SendBuffer();
  for (let i = 0; i < 6; i++) b.add(Buffer.from([i]), 7, i);
  assert.equal(b.requeue(7, 4), 2, 'records 0-3 arrived on path 7 (PATH_ACK 4): only 4 and 5 are resent');
  assert.equal(b.peekResend()?.body[0], 4);
});
