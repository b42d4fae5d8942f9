/**
 * Property-based tests (fast-check) of every decoder that reads a stranger's bytes (issue 9, "Fuzzing"):
 * signaling bodies, session messages, record bodies and their frames, SOCKS5 handshakes, HTTP proxy request
 * targets and headers, and the text the client prints. For each, on random and on mutated valid input:
 * it returns or throws its own typed error, nothing else; and what it returns stays within the stated
 * bound. A hang is a test that never ends, which the runner's timeout fails.
 *
 * `npm test` runs each with FUZZ_TEST_RUNS cases (test/fuzz/decoders.test.ts); `npm run fuzz` with 100 000
 * or more (test/fuzz/run.ts), printing the counts.
 */
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { hostProblem, MAX_HOST_BYTES } from '../../src/client/destination.js';
import {
  hasHeader,
  parseAbsoluteTarget,
  parseAuthority,
  stripHopByHop,
  withoutHeader,
} from '../../src/client/http-message.js';
import { encodeReply, parseGreeting, parseRequest } from '../../src/client/socks5-codec.js';
import { decodeBody, encodeBody, type Frame, FrameType } from '../../src/session/frames.js';
import {
  decodeHelloPayload,
  decodeHelloReplyPayload,
  decodeJoin,
  decodeRefuse,
  encodeRefuse,
  helloEphemeral,
  MessageType,
  messageType,
  readRecordHeader,
} from '../../src/session/wire.js';
import { ProtocolError } from '../../src/shared/errors.js';
import { printable } from '../../src/shared/printable.js';
import { SIGNALING_LIMITS } from '../../src/signaling/fields.js';
import {
  decodeAnswerRequest,
  decodeErrorBody,
  decodeInfoResponse,
  decodeOfferRequest,
  decodeOfferResponse,
  decodeOkResponse,
  decodePollRequest,
  decodePollResponse,
  parseJson,
  SignalingError,
} from '../../src/signaling/messages.js';

/** How many cases each property runs in `npm test`. */
export const FUZZ_TEST_RUNS = 2000;
/** How many cases each property runs in `npm run fuzz`. */
export const FUZZ_RUNS = 100_000;

/** Runs `fn`; it may return, or throw an instance of `allowed`, nothing else. */
function onlyThrows<T>(allowed: abstract new (...args: never[]) => Error, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof allowed) return undefined;
    throw e;
  }
}

const bytes = (maxLength: number) => fc.uint8Array({ maxLength });

/** Valid input with a few bytes overwritten, cut short or extended: near misses reach deeper code. */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.option(fc.nat(), { nil: undefined }),
      bytes(8),
    )
    .map(([v, flips, cut, tail]) => {
      const out = Buffer.concat([v, tail]);
      for (const [at, value] of flips) if (out.length > 0) out[at % out.length] = value;
      return cut === undefined || out.length === 0 ? out : out.subarray(0, cut % (out.length + 1));
    });
}

// ---- signaling bodies (src/signaling/messages.ts, signaling-v1) ----

const id = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);
const nat = fc.constantFrom('unknown', 'public', 'symmetric', 'bogus');
const egressUrl = fc.constantFrom('wss://egress.example/', 'ws://127.0.0.1:8701/', 'http://x/', 'wss://a b/');
const anyJson = fc.jsonValue({ maxDepth: 3 });
/** A field's value: usually plausible, sometimes anything JSON can hold. */
const field = <T>(plausible: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: plausible }, anyJson);

const signalingBody = fc.oneof(
  anyJson,
  fc.record(
    {
      v: field(fc.constant(1)),
      nat: field(nat),
      egress: field(fc.oneof(egressUrl, fc.array(egressUrl, { maxLength: 20 }))),
      ticket: field(id),
      offerId: field(id),
      sdp: field(fc.string({ maxLength: 300 })),
      exclude: field(fc.array(id, { maxLength: 20 })),
      offer: field(
        fc.oneof(
          fc.constant(null),
          fc.record({ id: field(id), sdp: field(fc.string()), egress: field(egressUrl) }),
        ),
      ),
      retryAfterMs: field(fc.oneof(fc.integer(), fc.double({ noDefaultInfinity: true, noNaN: true }))),
      answer: field(fc.record({ sdp: field(fc.string()), volunteer: field(id) })),
      error: field(fc.string({ maxLength: 1000 })),
      code: field(fc.constantFrom('no-match', 'rate-limited', 'bogus')),
    },
    { requiredKeys: [] },
  ),
);

function signalingProperty(): fc.IPropertyWithHooks<[unknown, number]> {
  return fc.property(signalingBody, fc.integer({ min: 100, max: 599 }), (body, status) => {
    const poll = onlyThrows(SignalingError, () => decodePollRequest(body));
    if (poll) assert.ok(poll.egress.length <= SIGNALING_LIMITS.maxAllowList);
    const offer = onlyThrows(SignalingError, () => decodeOfferRequest(body));
    if (offer) {
      assert.ok(offer.sdp.length <= SIGNALING_LIMITS.maxSdpChars);
      assert.ok(offer.exclude.length <= SIGNALING_LIMITS.maxExclude);
    }
    onlyThrows(SignalingError, () => decodeAnswerRequest(body));
    const info = onlyThrows(SignalingError, () => decodeInfoResponse(body));
    if (info) assert.ok(info.egress.length <= SIGNALING_LIMITS.maxAllowList);
    const pollResponse = onlyThrows(SignalingError, () => decodePollResponse(body));
    if (pollResponse) assert.ok(pollResponse.retryAfterMs >= 0 && Number.isFinite(pollResponse.retryAfterMs));
    onlyThrows(SignalingError, () => decodeOkResponse(body));
    const answer = onlyThrows(SignalingError, () => decodeOfferResponse(body));
    if (answer) assert.ok(answer.sdp.length <= SIGNALING_LIMITS.maxSdpChars);
    const error = onlyThrows(SignalingError, () => decodeErrorBody(body, status));
    if (error) assert.ok(error.message.length <= 500);
  });
}

function jsonTextProperty(): fc.IPropertyWithHooks<[string]> {
  const text = fc.oneof(
    fc.string({ maxLength: 200 }),
    anyJson.map((j) => JSON.stringify(j).slice(0, 200)),
  );
  return fc.property(text, (t) => {
    onlyThrows(SignalingError, () => parseJson(t));
  });
}

// ---- session messages (src/session/wire.ts) and record bodies (src/session/frames.ts) ----

const MAX_MESSAGE_BYTES = 65_536;

const messageBytes = fc.oneof(
  bytes(80),
  mutated(
    fc.constantFrom(encodeRefuse(1, 'bad key'), Buffer.alloc(38, 1), Buffer.alloc(60, 1)).map((b) => {
      const out = Buffer.from(b);
      out[0] = 1;
      return out;
    }),
  ),
  fc
    .tuple(fc.constantFrom(...Object.values(MessageType)), bytes(300))
    .map(([type, rest]) => Buffer.concat([Buffer.of(1, type), rest])),
);

function messageProperty(): fc.IPropertyWithHooks<[Uint8Array]> {
  return fc.property(messageBytes, (msg) => {
    const type = onlyThrows(ProtocolError, () => messageType(msg, MAX_MESSAGE_BYTES));
    if (type === undefined) return;
    const refuse = onlyThrows(ProtocolError, () => decodeRefuse(msg));
    if (refuse)
      assert.ok(Buffer.byteLength(refuse.reason) <= 3 * 200, 'REFUSE reason is at most 200 bytes read');
    const join = onlyThrows(ProtocolError, () => decodeJoin(msg));
    if (join) assert.equal(join.tag.length, 16);
    onlyThrows(ProtocolError, () => readRecordHeader(msg));
    onlyThrows(ProtocolError, () => helloEphemeral(msg));
    onlyThrows(ProtocolError, () => decodeHelloPayload(msg.subarray(2)));
    onlyThrows(ProtocolError, () => decodeHelloReplyPayload(msg.subarray(2)));
  });
}

const u32 = fc.nat({ max: 0xffff_ffff });
const u48 = fc.nat({ max: 2 ** 48 - 1 });
const frame: fc.Arbitrary<Frame> = fc.oneof(
  u48.map((next) => ({ type: FrameType.ack, next })),
  u32.map((id) => ({ type: FrameType.ping, id })),
  u32.map((id) => ({ type: FrameType.pong, id })),
  fc
    .tuple(u32, fc.nat({ max: 255 }))
    .map(([pathId, reason]) => ({ type: FrameType.pathClosed, pathId, reason })),
  fc
    .tuple(u32, fc.stringMatching(/^[a-z0-9.-]{1,40}$/), fc.integer({ min: 1, max: 65535 }))
    .map(([streamId, host, port]) => ({ type: FrameType.open, streamId, host, port })),
  u32.map((streamId) => ({ type: FrameType.opened, streamId })),
  fc.tuple(u32, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([streamId, data]) => ({
    type: FrameType.data,
    streamId,
    data: Buffer.from(data),
  })),
  u32.map((streamId) => ({ type: FrameType.end, streamId })),
  fc.tuple(u32, fc.nat({ max: 255 })).map(([streamId, code]) => ({ type: FrameType.reset, streamId, code })),
  fc.tuple(u32, u48).map(([streamId, max]) => ({ type: FrameType.maxData, streamId, max })),
  u32.map((deadlineMs) => ({ type: FrameType.goAway, deadlineMs })),
);
const validBody = fc
  .tuple(u48, fc.array(frame, { minLength: 1, maxLength: 6 }))
  .map(([seq, frames]) => encodeBody(seq, frames));

function bodyProperty(): fc.IPropertyWithHooks<[Uint8Array]> {
  return fc.property(fc.oneof(bytes(200), mutated(validBody)), (b) => {
    const body = onlyThrows(ProtocolError, () => decodeBody(Buffer.from(b)));
    if (!body) return;
    assert.ok(body.frames.length <= b.length, 'a frame takes at least one byte');
    let data = 0;
    for (const f of body.frames) {
      if (f.type === FrameType.data) data += f.data.length;
      if (f.type === FrameType.open) assert.ok(Buffer.byteLength(f.host) <= 3 * 255);
    }
    assert.ok(data <= b.length, 'DATA frames are views of the record, never larger');
  });
}

function bodyRoundTripProperty(): fc.IPropertyWithHooks<[number, Frame[]]> {
  return fc.property(u48, fc.array(frame, { minLength: 1, maxLength: 6 }), (seq, frames) => {
    const decoded = decodeBody(encodeBody(seq, frames));
    assert.equal(decoded.seq, seq);
    assert.deepEqual(decoded.frames, frames);
  });
}

// ---- SOCKS5 (src/client/socks5-codec.ts, RFC 1928) ----

/** The longest SOCKS5 request: VER CMD RSV ATYP, a length byte, 255 bytes of name, the port. */
const MAX_SOCKS_REQUEST = 4 + 1 + 255 + 2;
const socksRequest = fc
  .tuple(
    fc.nat({ max: 3 }),
    fc.constantFrom(1, 3, 4, 9),
    fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[a-z0-9.-]{1,70}$/)),
    fc.nat({ max: 65535 }),
  )
  .map(([cmd, atyp, name, port]) => {
    const nameBytes = Buffer.from(name).subarray(0, 255);
    const addr =
      atyp === 1
        ? Buffer.alloc(4, 7)
        : atyp === 4
          ? Buffer.alloc(16, 1)
          : Buffer.concat([Buffer.of(nameBytes.length), nameBytes]);
    return Buffer.concat([Buffer.of(5, cmd, 0, atyp), addr, Buffer.of(port >> 8, port & 0xff)]);
  });

function socksProperty(): fc.IPropertyWithHooks<[Uint8Array]> {
  return fc.property(fc.oneof(bytes(300), mutated(socksRequest), socksRequest), (buf) => {
    const greeting = parseGreeting(buf);
    if (greeting.kind === 'ok') assert.ok(greeting.length <= buf.length);
    if (greeting.kind === 'incomplete') assert.ok(buf.length < 2 + 255, 'a greeting needs at most 257 bytes');
    const request = parseRequest(buf);
    if (request.kind === 'incomplete')
      assert.ok(buf.length < MAX_SOCKS_REQUEST, 'a request needs at most 262 bytes');
    if (request.kind !== 'ok') return;
    assert.ok(request.length <= buf.length);
    if ('host' in request.request) {
      assert.equal(hostProblem(request.request.host), undefined);
      assert.ok(request.request.port >= 1 && request.request.port <= 65535);
    } else assert.equal(encodeReply(request.request.refuse).length, 10);
  });
}

// ---- HTTP proxy heads (src/client/http-message.ts) and destinations (src/client/destination.ts) ----

const hostish = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.stringMatching(/^[A-Za-z0-9._-]{0,70}$/),
  fc.constantFrom(
    '[::1]',
    '[::ffff:1.2.3.4]',
    '[zz]',
    '1.2.3.4',
    'xn--bcher-kva.example',
    'a..b',
    'ex\u00e4mple.de',
  ),
  fc.nat({ max: 300 }).map((n) => 'a'.repeat(n)),
);
const portish = fc.oneof(fc.nat({ max: 70_000 }).map(String), fc.string({ maxLength: 6 }));

function httpTargetProperty(): fc.IPropertyWithHooks<[string, string, string]> {
  return fc.property(hostish, portish, fc.string({ maxLength: 40 }), (host, port, path) => {
    for (const target of [
      parseAuthority(`${host}:${port}`),
      parseAbsoluteTarget(`http://${host}:${port}/${path}`),
      parseAbsoluteTarget(`${host}${path}`),
    ]) {
      if (!target.ok) {
        assert.equal(typeof target.why, 'string');
        continue;
      }
      assert.equal(hostProblem(target.host), undefined, `accepted host ${JSON.stringify(target.host)}`);
      assert.ok(Buffer.byteLength(target.host) <= MAX_HOST_BYTES);
      assert.ok(Number.isInteger(target.port) && target.port >= 1 && target.port <= 65535);
    }
  });
}

const headerName = fc.oneof(
  fc.constantFrom(
    'Connection',
    'connection',
    'Keep-Alive',
    'Host',
    'Proxy-Connection',
    'TE',
    'X-A',
    'Upgrade',
  ),
  fc.string({ maxLength: 12 }),
);
const rawHeaders = fc.array(
  fc.oneof(headerName, fc.string({ maxLength: 40 }), fc.constantFrom('x-a, keep-alive', 'close')),
  {
    maxLength: 24,
  },
);

function headersProperty(): fc.IPropertyWithHooks<[string[]]> {
  return fc.property(rawHeaders, (raw) => {
    const kept = stripHopByHop(raw);
    assert.ok(kept.length <= raw.length && kept.length % 2 === 0);
    for (let i = 0; i < kept.length; i += 2) assert.notEqual(kept[i]!.toLowerCase(), 'connection');
    assert.equal(hasHeader(withoutHeader(raw, 'host'), 'host'), false);
  });
}

function printableProperty(): fc.IPropertyWithHooks<[string, number]> {
  return fc.property(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.integer({ min: 0, max: 300 }),
    (text, max) => {
      const out = printable(text, max);
      assert.ok([...out].length <= max + 1);
      assert.equal(printable(out, Number.POSITIVE_INFINITY), out, 'what it returns is already printable');
      for (const ch of out) {
        const cp = ch.codePointAt(0)!;
        assert.ok(cp === 0x09 || (cp >= 0x20 && cp < 0x7f) || cp >= 0xa0, `code point ${cp}`);
      }
    },
  );
}

function hostProblemProperty(): fc.IPropertyWithHooks<[string]> {
  return fc.property(fc.oneof(hostish, fc.string({ unit: 'binary', maxLength: 300 })), (host) => {
    const why = hostProblem(host);
    if (why === undefined) {
      const n = Buffer.byteLength(host);
      assert.ok(n >= 1 && n <= MAX_HOST_BYTES);
      assert.ok(
        isIP(host) !== 0 || /^[\p{L}\p{N}\p{M}_.-]+$/u.test(host),
        `accepted ${JSON.stringify(host)}`,
      );
    }
  });
}

/** Every property, by name. */
// biome-ignore lint/suspicious/noExplicitAny: properties of different argument types share one list
export const PROPERTIES: { name: string; property: () => fc.IPropertyWithHooks<any> }[] = [
  { name: 'signaling bodies (every decoder of signaling-v1)', property: signalingProperty },
  { name: 'signaling JSON text', property: jsonTextProperty },
  {
    name: 'session messages (envelope, REFUSE, JOIN, RECORD header, HELLO payloads)',
    property: messageProperty,
  },
  { name: 'record bodies and frames', property: bodyProperty },
  { name: 'record bodies round trip', property: bodyRoundTripProperty },
  { name: 'SOCKS5 greeting and request', property: socksProperty },
  { name: 'HTTP proxy request targets', property: httpTargetProperty },
  { name: 'HTTP proxy header fields', property: headersProperty },
  { name: 'destination hosts', property: hostProblemProperty },
  { name: 'text from strangers for the terminal', property: printableProperty },
];

/** Runs one property `numRuns` times; throws with fast-check's report (seed, counterexample) on failure. */
export function runProperty(entry: (typeof PROPERTIES)[number], numRuns: number): number {
  const details = fc.check(entry.property(), { numRuns });
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `${entry.name} failed`);
  return details.numRuns;
}
