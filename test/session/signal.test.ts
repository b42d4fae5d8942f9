/**
 * session-v1 §4.4 between a real client Session and the egress's real SessionTable over in-memory paths:
 * SIGNAL round trips to a forwarder, and hostile SIGNALs (too large, unknown route, too many in flight, to an
 * egress with no broker) get a clear SIGNAL_REPLY and cost nothing else: the session goes on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionTable } from '../../src/egress/sessions.js';
import { startSession } from '../../src/session/client-handshake.js';
import { FrameType } from '../../src/session/frames.js';
import { generateKeyPair } from '../../src/session/noise.js';
import type { Session } from '../../src/session/session.js';
import {
  MAX_SIGNAL_BYTES,
  MAX_SIGNALS_IN_FLIGHT,
  type SignalReply,
  type SignalRequest,
  SignalUnavailable,
} from '../../src/session/signal.js';
import { memoryPath } from '../helpers/memory-path.js';
import { readAll, testDestinations } from '../helpers/session-pair.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function pair(onSignal?: (req: SignalRequest) => void) {
  const keys = generateKeyPair();
  const table = new SessionTable(
    keys,
    testDestinations,
    {},
    {
      sessionOpened: (s) => {
        if (onSignal) s.on('signal', onSignal);
      },
    },
  );
  const p = memoryPath();
  void table.accept(p.egress);
  const { session } = await startSession(p.client, keys.publicKey, 0);
  const close = (): void => {
    session.close();
    table.close();
  };
  return { session, close };
}

/** A hostile client: a raw SIGNAL frame of its choosing, and a way to hear the reply to its id. */
function rawSignal(session: Session, id: number, route: number, body: Buffer): Promise<SignalReply> {
  const internals = session as unknown as {
    streams: { queueFrame(f: unknown): void };
    signalsPending: Map<number, (r: SignalReply | Error) => void>;
  };
  return new Promise((resolve, reject) => {
    internals.signalsPending.set(id, (r) => {
      internals.signalsPending.delete(id);
      if (r instanceof Error) reject(r);
      else resolve(r);
    });
    internals.streams.queueFrame({ type: FrameType.signal, id, route, body });
  });
}

async function echoWorks(session: Session): Promise<void> {
  const s = await session.openStream('echo', 1);
  s.end(Buffer.from('still here'));
  assert.equal((await readAll(s)).toString(), 'still here', 'the session carries streams as before');
}

test('a SIGNAL reaches the forwarder and its reply comes back', async () => {
  const { session, close } = await pair((req) =>
    req.reply({
      status: 200,
      retryAfterMs: 1500,
      body: new TextEncoder().encode(`got ${req.route} ${text(req.body)}`),
    }),
  );
  try {
    const r = await session.signal(2, new TextEncoder().encode('{"x":1}'));
    assert.deepEqual(
      { ...r, body: text(r.body) },
      { status: 200, retryAfterMs: 1500, body: 'got 2 {"x":1}' },
    );
  } finally {
    close();
  }
});

test('an egress with no broker answers a SIGNAL with a clear reason, and the session goes on', async () => {
  const { session, close } = await pair();
  try {
    const r = await session.signal(4, new Uint8Array(2048));
    assert.equal(r.status, 0);
    assert.match(text(r.body), /no broker/);
    await echoWorks(session);
  } finally {
    close();
  }
});

test('hostile SIGNALs: too large, unknown route, too many in flight: each refused, no crash', async () => {
  const held: SignalRequest[] = [];
  const { session, close } = await pair((req) => held.push(req));
  try {
    const big = await rawSignal(session, 900, 2, Buffer.alloc(MAX_SIGNAL_BYTES + 1));
    assert.equal(big.status, 0);
    assert.match(text(big.body), /over 16384 bytes/);
    const odd = await rawSignal(session, 901, 77, Buffer.from('x'));
    assert.match(text(odd.body), /unknown route 77/);
    // The forwarder holds every request: MAX_SIGNALS_IN_FLIGHT are forwarded, the rest refused at once.
    const replies = Array.from({ length: MAX_SIGNALS_IN_FLIGHT + 2 }, (_, i) =>
      rawSignal(session, 1000 + i, 3, Buffer.from('{}')),
    );
    const refused = await Promise.all(replies.slice(MAX_SIGNALS_IN_FLIGHT));
    for (const r of refused) assert.match(text(r.body), /more than 4 SIGNALs in flight/);
    assert.equal(held.length, MAX_SIGNALS_IN_FLIGHT);
    for (const req of held) req.reply({ status: 204, retryAfterMs: 0, body: new Uint8Array(0) });
    for (const r of await Promise.all(replies.slice(0, MAX_SIGNALS_IN_FLIGHT))) assert.equal(r.status, 204);
    await echoWorks(session);
  } finally {
    close();
  }
});

test('the client side bounds its SIGNALs: size, in flight, session close', async () => {
  const { session, close } = await pair(() => {});
  try {
    await assert.rejects(session.signal(2, new Uint8Array(MAX_SIGNAL_BYTES + 1)), SignalUnavailable);
    const pending = Array.from({ length: MAX_SIGNALS_IN_FLIGHT }, () => session.signal(3, new Uint8Array(2)));
    await assert.rejects(session.signal(3, new Uint8Array(2)), /already in flight/);
    close();
    for (const p of pending) await assert.rejects(p, /session closed/);
  } finally {
    close();
  }
});
