/** Options are merged over their defaults and checked one way, when a component is built (src/shared/limits.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpProxyServer } from '../../src/client/http-proxy.js';
import { createSocksServer } from '../../src/client/socks5.js';
import { createEgress } from '../../src/egress/server.js';
import { SessionTable } from '../../src/egress/sessions.js';
import { generateKeyPair } from '../../src/session/noise.js';
import { resolveSessionOptions } from '../../src/session/options.js';
import { resolveLimits, SESSION_DEFAULTS, VOLUNTEER_DEFAULTS } from '../../src/shared/limits.js';
import { resolveVolunteerOptions } from '../../src/volunteer/options.js';
import { testDestinations } from '../helpers/session-pair.js';

const DEFAULTS = { timeoutMs: 100, capBytes: 10, graceMs: 5 } as const;
type Opts = { timeoutMs: number; capBytes: number; graceMs: number };

test('an undefined option keeps its default; a defined one wins', () => {
  const o = resolveLimits<Opts>('demo', DEFAULTS, { capBytes: undefined, graceMs: 0 }, ['graceMs']);
  assert.deepEqual(o, { timeoutMs: 100, capBytes: 10, graceMs: 0 });
});

test('NaN, infinity, negatives and a zero that makes no sense are RangeErrors naming the option', () => {
  const cases: [Partial<Opts>, RegExp][] = [
    [{ timeoutMs: Number.NaN }, /demo option timeoutMs must be a number > 0, not NaN/],
    [{ capBytes: Number.POSITIVE_INFINITY }, /demo option capBytes must be a number > 0, not Infinity/],
    [{ graceMs: -1 }, /demo option graceMs must be a number >= 0, not -1/],
    [{ timeoutMs: 0 }, /demo option timeoutMs must be a number > 0, not 0/],
    [{ capBytes: '7' as unknown as number }, /capBytes/],
  ];
  for (const [partial, message] of cases) {
    assert.throws(() => resolveLimits<Opts>('demo', DEFAULTS, partial, ['graceMs']), {
      name: 'RangeError',
      message,
    });
  }
});

test('every component checks its options when it is built', () => {
  const keys = generateKeyPair();
  const dialer = { open: () => Promise.reject(new Error('unused')) };
  assert.throws(() => resolveSessionOptions({ pathTimeoutMs: 0 }), /session option pathTimeoutMs/);
  assert.throws(() => new SessionTable(keys, testDestinations, { maxStreams: Number.NaN }), /maxStreams/);
  assert.throws(() => createEgress({ keys, connectTimeoutMs: -5 }), /egress option connectTimeoutMs/);
  assert.throws(() => createSocksServer(dialer, { openTimeoutMs: 0 }), /proxy option openTimeoutMs/);
  assert.throws(() => createHttpProxyServer(dialer, { httpMaxHeaderBytes: -1 }), /httpMaxHeaderBytes/);
  assert.throws(
    () => resolveVolunteerOptions({ broker: 'http://b.example/', statsIntervalMs: 0 }),
    /volunteer option statsIntervalMs/,
  );
  const volunteer = resolveVolunteerOptions({
    broker: 'http://b.example/',
    allow: ['wss://egress.example/'],
    maxBytesPerSec: 0,
    goodbyeGraceMs: 0,
  });
  assert.equal(volunteer.maxBytesPerSec, 0, 'no rate cap is a legal 0');
  assert.equal(volunteer.rateBurstBytes, VOLUNTEER_DEFAULTS.rateBurstBytes);
});

test('session windows must be usable (session-v1 §2) and fit a u32', () => {
  assert.equal(resolveSessionOptions({ ackDelayMs: 0 }).ackDelayMs, 0, 'an ACK at the next flush is legal');
  assert.throws(() => resolveSessionOptions({ streamWindow: 1023 }), /streamWindow and sessionWindow/);
  assert.throws(
    () => resolveSessionOptions({ streamWindow: 2 * SESSION_DEFAULTS.sessionWindow }),
    /the session window no smaller/,
  );
  assert.throws(() => resolveSessionOptions({ sessionWindow: 2 ** 32 }), /to 4294967295 bytes/);
});
