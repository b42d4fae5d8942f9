/** The client's status model (src/client/status.ts) on a fake clock: counters, throughput and problems. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusTracker } from '../../src/client/status.js';
import { HandshakeError } from '../../src/shared/errors.js';
import { SignalingError } from '../../src/signaling/errors.js';

function tracker(noVolunteerNoticeMs = 30_000) {
  const clock = { t: Date.UTC(2026, 0, 1) };
  const s = new StatusTracker({
    broker: 'http://broker.test/',
    wantedVolunteers: 2,
    noVolunteerNoticeMs,
    now: () => clock.t,
  });
  return { s, clock };
}

test('bytes add up across sessions; throughput is per second over the last sample', () => {
  const { s, clock } = tracker();
  const live = { streams: 3, bytesSent: 0, bytesReceived: 0 };
  s.sessionStarted(() => live);
  s.pathUp();
  live.bytesSent = 1000;
  live.bytesReceived = 4000;
  clock.t += 2000;
  let snap = s.sample();
  assert.equal(snap.upBytesPerSec, 500);
  assert.equal(snap.downBytesPerSec, 2000);
  assert.equal(snap.streams, 3);
  s.sessionEnded({ ...live });
  s.allPathsClosed();
  s.sessionStarted(() => ({ streams: 0, bytesSent: 10, bytesReceived: 20 }));
  s.pathUp();
  clock.t += 1000;
  snap = s.sample();
  assert.equal(snap.bytesUp, 1010);
  assert.equal(snap.bytesDown, 4020);
  assert.equal(snap.upBytesPerSec, 10);
  assert.equal(snap.reconnects, 2, 'one path replaced, one new session');
  assert.equal(snap.state, 'connected');
});

test('a volunteer replacing one that left is a reconnect; the first ones are not', () => {
  const { s } = tracker();
  s.pathUp();
  s.pathUp();
  assert.equal(s.snapshot().reconnects, 0);
  s.pathClosed();
  assert.equal(s.snapshot().volunteers, 1);
  s.pathUp();
  assert.equal(s.snapshot().reconnects, 1);
  assert.equal(s.snapshot().volunteers, 2);
});

test('no volunteer for noVolunteerNoticeMs is a problem saying to keep running; a path ends it', () => {
  const { s, clock } = tracker(30_000);
  clock.t += 29_000;
  assert.equal(s.sample().problem, null);
  clock.t += 1_000;
  const p = s.sample().problem;
  assert.equal(p?.kind, 'no-volunteer');
  assert.equal(p?.message, 'no volunteer has answered for 30 s; the network may be busy, keep this running');
  clock.t += 5_000;
  assert.match(s.sample().problem?.message ?? '', /for 35 s/);
  s.pathUp();
  assert.equal(s.sample().problem, null);
  // The clock restarts when the last volunteer leaves.
  s.pathClosed();
  clock.t += 29_000;
  assert.equal(s.sample().problem, null);
  clock.t += 1_000;
  assert.equal(s.sample().problem?.kind, 'no-volunteer');
});

test('an unreachable broker is named with what was tried, and outranks "no volunteer"', () => {
  const { s, clock } = tracker(1000);
  const down = new SignalingError('unreachable', 'broker unreachable', {
    cause: new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }),
  });
  s.pathFailed(down);
  s.pathFailed(down);
  clock.t += 2000;
  const p = s.sample().problem;
  assert.equal(p?.kind, 'broker-unreachable');
  assert.equal(
    p?.message,
    'cannot reach the broker at http://broker.test/ (tried 2 times; last: broker unreachable: fetch failed: ' +
      'connect ECONNREFUSED 127.0.0.1:9); check your connection, or ask for another broker address (--broker)',
  );
  // The broker answers again, with no volunteer free: the broker problem is over, "no volunteer" remains.
  s.pathFailed(new SignalingError('no-match', 'no volunteer', { retryAfterMs: 100 }));
  assert.equal(s.sample().problem?.kind, 'no-volunteer');
  assert.equal(s.snapshot().failedAttempts, 3);
});

test('an answer that is not a broker says a filter may be in the way', () => {
  const { s } = tracker();
  s.pathFailed(new SignalingError('bad-response', 'broker answered HTTP 403', { status: 403 }));
  assert.match(s.snapshot().problem?.message ?? '', /not a Starling broker \(a filter may be in the way\)/);
});

test('"the key may be wrong" comes from the tunnel, not from one failed handshake; it outranks the rest', () => {
  const { s, clock } = tracker(1000);
  s.pathFailed(new SignalingError('unreachable', 'broker unreachable'));
  // One volunteer can forge a REFUSE: by itself it is no reason to doubt the key.
  s.pathFailed(new HandshakeError('egress did not prove the key', 'wrong-key'));
  assert.equal(s.snapshot().problem?.kind, 'broker-unreachable');
  s.keyMayBeWrong('no egress handshake succeeded through 2 volunteers in 3 s: the egress key may be wrong');
  clock.t += 5000;
  const p = s.sample().problem;
  assert.equal(p?.kind, 'egress-key');
  assert.equal(
    p?.message,
    'no egress handshake succeeded through 2 volunteers in 3 s: the egress key may be wrong; check ' +
      "--egress-key against the key the egress's operator published, and keep this running",
  );
  s.pathUp();
  assert.equal(s.snapshot().problem, null);
});

test('stopped: no volunteers, no "no volunteer" problem', () => {
  const { s, clock } = tracker(1000);
  s.pathUp();
  s.stop();
  clock.t += 5000;
  const snap = s.sample();
  assert.equal(snap.state, 'stopped');
  assert.equal(snap.volunteers, 0);
  assert.equal(snap.problem, null);
});
