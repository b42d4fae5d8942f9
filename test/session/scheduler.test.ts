/**
 * session-v1 §4.3 and §5.4 as pure logic on a fake clock: what a path measures (PathRate), where the next record
 * goes (PathSet.pick), and how a stream's receive window follows the round trip (CreditWindow.grant).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CreditWindow } from '../../src/session/credit.js';
import { decodeBody, encodeBody, FrameType } from '../../src/session/frames.js';
import { PathRate } from '../../src/session/path-rate.js';
import { PathSet } from '../../src/session/path-set.js';
import type { PathState } from '../../src/session/path-state.js';
import type { PathTransport } from '../../src/session/transport.js';
import { ProtocolError } from '../../src/shared/errors.js';
import { SESSION_DEFAULTS } from '../../src/shared/limits.js';

const RECORD = 64_000;
const LIMITS = { ...SESSION_DEFAULTS, maxRecordBytes: 64_064 };

/** A path of `ratePerMs` bytes/ms and `rttMs` round trip, fed by `send` and acknowledged by `tick`. */
class FakeLink {
  private queue: { pathSeq: number; bytes: number }[] = [];
  private busyUntil = 0;
  private readonly arrivals: { at: number; next: number }[] = [];
  seq = 0;
  constructor(
    readonly ratePerMs: number,
    readonly rttMs: number,
  ) {}
  send(now: number, bytes: number): number {
    const start = Math.max(now + this.rttMs / 2, this.busyUntil);
    this.busyUntil = start + bytes / this.ratePerMs;
    this.seq += 1;
    // The PATH_ACK for it is back half a round trip after its last byte arrived.
    this.arrivals.push({ at: this.busyUntil + this.rttMs / 2, next: this.seq });
    this.queue.push({ pathSeq: this.seq - 1, bytes });
    return this.seq - 1;
  }
  /** The highest PATH_ACK due by `now`, if any. */
  ackDue(now: number): number | undefined {
    let next: number | undefined;
    while (this.arrivals[0] && this.arrivals[0].at <= now) next = this.arrivals.shift()!.next;
    return next;
  }
}

test('a path measures its delivery rate and round trip from PATH_ACKs, and caps in flight near its BDP', () => {
  const r = new PathRate(LIMITS);
  assert.equal(r.cap, LIMITS.pathInitialInflight, 'before any sample: the initial cap');
  const link = new FakeLink(5_000, 40); // 5 MB/s, 40 ms: a BDP of 200 kB
  for (let now = 0; now < 5_000; now += 1) {
    const next = link.ackDue(now);
    if (next !== undefined) r.onAcked(next, now);
    while (r.hasRoom) r.onSent(link.send(now, RECORD), RECORD, now);
  }
  assert.ok(Math.abs(r.rate - 5_000) / 5_000 < 0.15, `rate ${r.rate} bytes/ms, not about 5000`);
  assert.ok(r.minRtt >= 40 && r.minRtt < 60, `min round trip ${r.minRtt} ms`);
  // 1.25 BDP (the round trip counts a record's 13 ms on the wire) plus 20 ms of the rate (what a receiver
  // holds before it acknowledges): about 430 kB.
  assert.ok(r.cap > 350_000 && r.cap < 480_000, `cap ${r.cap}`);
  assert.ok(r.inflight <= r.cap + RECORD, 'never more in flight than the cap and one record');
});

test('the in-flight cap stays within its named bounds', () => {
  const slow = new PathRate(LIMITS);
  slow.onSent(0, RECORD, 0);
  slow.onAcked(1, 1_000); // 64 kB a second, a round trip of a second
  assert.equal(slow.cap, LIMITS.pathMinInflight);
  const fast = new PathRate(LIMITS);
  for (let i = 0; i < 100; i++) fast.onSent(i, RECORD, 0);
  fast.onAcked(100, 50); // 128 MB/s at 50 ms
  assert.equal(fast.cap, LIMITS.pathMaxInflight);
});

test('a path that stops acknowledging looks slower the longer it stalls', () => {
  const r = new PathRate(LIMITS);
  r.onSent(0, RECORD, 0);
  r.onAcked(1, 40);
  r.onSent(1, RECORD, 100);
  const fresh = r.eta(RECORD, 150, 1, 100);
  const stalled = r.eta(RECORD, 1_100, 1, 100);
  assert.ok(stalled > fresh + 800, `eta after a 1 s stall ${stalled} ms vs ${fresh} ms`);
  assert.equal(r.onAcked(2, 1_200), RECORD, 'what is freed');
  assert.equal(r.inflight, 0);
});

function fakeTransport(): PathTransport {
  return { send() {}, bufferedAmount: 0, close() {}, onmessage: null, onclose: null, ondrain: null };
}

function pathSet(count: number): { set: PathSet; paths: PathState[] } {
  const key = randomBytes(32);
  const set = new PathSet({ send: key, recv: key }, LIMITS);
  const paths = Array.from({ length: count }, (_, i) => set.add(i, fakeTransport(), true));
  return { set, paths };
}

/** Runs `ms` of bulk sending over `links` on a fake clock; returns the records each path carried. */
function stripe(links: FakeLink[], ms: number): { carried: number[]; waits: number } {
  const { set, paths } = pathSet(links.length);
  const carried = links.map(() => 0);
  let waits = 0;
  for (let now = 0; now < ms; now += 1) {
    links.forEach((l, i) => {
      const next = l.ackDue(now);
      if (next !== undefined) paths[i]!.pathAcked(next, now);
    });
    for (;;) {
      const p = set.pick(RECORD, now, false);
      if (!p) {
        waits += 1;
        break;
      }
      const i = paths.indexOf(p);
      assert.equal(p.sendReliable(Buffer.alloc(RECORD), now), links[i]!.seq);
      links[i]!.send(now, RECORD);
      carried[i]! += 1;
    }
  }
  return { carried, waits };
}

test('records are striped by each path delivery rate, not by bytes in flight', () => {
  const { carried } = stripe([new FakeLink(5_000, 40), new FakeLink(2_500, 40)], 4_000);
  const share = carried[0]! / (carried[0]! + carried[1]!);
  assert.ok(share > 0.6 && share < 0.72, `the 5 MB/s path carried ${share} of the records, not about 2/3`);
  const total = ((carried[0]! + carried[1]!) * RECORD) / 4_000;
  assert.ok(total > 0.9 * 7_500, `both paths full: ${total} bytes/ms of 7500`);
});

test('a path far slower than another does not hold it back: records wait for the fast path', () => {
  const { carried } = stripe([new FakeLink(5_000, 40), new FakeLink(100, 600)], 4_000);
  const slowShare = carried[1]! / (carried[0]! + carried[1]!);
  assert.ok(slowShare < 0.03, `the 0.1 MB/s, 600 ms path carried ${slowShare} of the records`);
  assert.ok((carried[0]! * RECORD) / 4_000 > 0.9 * 5_000, 'the fast path stays full');
});

test('a resend goes at once, to where it arrives first, even over the cap', () => {
  const { set, paths } = pathSet(2);
  const [a, b] = paths as [PathState, PathState];
  // Path a measured fast (5 MB/s, 40 ms), then filled past its cap; b measured slow.
  for (let i = 0; i < 8; i++) a.sendReliable(Buffer.alloc(RECORD), 0);
  a.pathAcked(8, 140);
  b.sendReliable(Buffer.alloc(RECORD), 0);
  b.pathAcked(1, 900);
  while (a.delivery.hasRoom) a.sendReliable(Buffer.alloc(RECORD), 200);
  assert.equal(set.pick(RECORD, 200, false), undefined, 'new data waits for the fast path');
  assert.equal(set.pick(RECORD, 200, true), a, 'a resend does not wait');
  assert.equal(set.pickSpare(a), b, 'a copy of a small record goes on the other path');
});

test('PATH_ACK encodes and decodes, one per unreliable record, and may not pass what was sent', () => {
  const body = encodeBody(undefined, [
    { type: FrameType.ack, next: 5 },
    { type: FrameType.pathAck, pathId: 7, next: 0xffff_fff0 },
  ]);
  assert.deepEqual(decodeBody(body).frames[1], { type: FrameType.pathAck, pathId: 7, next: 0xffff_fff0 });
  const two = encodeBody(undefined, [
    { type: FrameType.pathAck, pathId: 1, next: 1 },
    { type: FrameType.pathAck, pathId: 2, next: 1 },
  ]);
  assert.throws(() => decodeBody(two), ProtocolError);
  const { paths } = pathSet(1);
  paths[0]!.sendReliable(Buffer.alloc(100), 0);
  assert.throws(() => paths[0]!.pathAcked(2, 1), ProtocolError, 'a PATH_ACK for records never sent');
});

test('a stream window doubles while grants come within two round trips, up to its maximum', () => {
  const w = new CreditWindow(1000, 1000, 4000);
  let now = 0;
  const grantAfter = (bytes: number, ms: number, rtt: number) => {
    w.receive(bytes);
    w.consume(bytes);
    now += ms;
    return w.grant(now, rtt);
  };
  assert.equal(grantAfter(500, 1000, 50), 1500, 'the first grant: no growth');
  assert.equal(grantAfter(500, 1000, 50), 2000, 'an application slower than the round trip: no growth');
  assert.equal(grantAfter(500, 20, 50), 3500, 'within two round trips: the window doubles to 2000');
  assert.equal(w.receiveWindow, 2000);
  assert.equal(grantAfter(1000, 20, 50), 6500, 'and again, to its maximum 4000');
  assert.equal(grantAfter(2000, 20, 50), 8500, 'never past it');
  assert.equal(w.receiveWindow, 4000);
});
