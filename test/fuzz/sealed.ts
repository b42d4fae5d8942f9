/**
 * Property-based tests (fast-check) of the sealed signaling decoders (signaling-v1 §10), on random and on
 * mutated valid bodies: the broker's opening of a request (size, suite, key id, HPKE open, padding, inner
 * JSON) and the client's opening of an answer throw only SignalingError, and what they return is within
 * the stated bounds. The pure steps run synchronously; the opens are asynchronous (WebCrypto), so they run
 * as async properties, which fast-check awaits. Run by test/fuzz/decoders.test.ts and `npm run fuzz`.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPair } from '../../src/session/keys.js';
import { SignalingError } from '../../src/signaling/errors.js';
import {
  decodeSealedRequest,
  decodeSealedResponse,
  SEALED_PATHS,
  SEALED_SIZES,
  SealedBrokerKey,
  sealRequest,
  splitSealedRequest,
  unpad,
} from '../../src/signaling/sealed.js';

const keys = generateKeyPair();
const broker = SealedBrokerKey.create(keys);

function onlySignalingError<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SignalingError) return undefined;
    throw e;
  }
}

async function onlySignalingErrorAsync<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SignalingError) return undefined;
    throw e;
  }
}

/** A valid body with a few bytes overwritten, cut short or extended. */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.uint8Array({ maxLength: 8 }),
    )
    .map(([v, flips, cut, tail]) => {
      const out = new Uint8Array(v.length + (flips.length === 0 && cut === undefined ? tail.length : 0));
      out.set(v);
      out.set(tail.subarray(0, out.length - v.length), v.length);
      for (const [at, value] of flips) if (out.length > 0) out[at % out.length] = value;
      return cut === undefined || out.length === 0 ? out : out.subarray(0, cut % (out.length + 1));
    });
}

const innerJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      v: fc.oneof(fc.constant(1), fc.jsonValue()),
      path: fc.oneof(fc.constantFrom(...SEALED_PATHS, '/v1/info'), fc.jsonValue()),
      t: fc.oneof(fc.nat(), fc.double(), fc.jsonValue()),
      status: fc.oneof(fc.integer({ min: 0, max: 700 }), fc.jsonValue()),
      now: fc.oneof(fc.nat(), fc.jsonValue()),
      body: fc.oneof(fc.object({ maxDepth: 2 }), fc.jsonValue()),
    },
    { requiredKeys: [] },
  ),
);

/** Length-prefixed JSON, padded, sometimes with a wrong length or non-zero padding. */
const padded = fc
  .tuple(innerJson, fc.nat({ max: 64 }), fc.option(fc.nat(), { nil: undefined }))
  .map(([json, extra, badLength]) => {
    const text = new TextEncoder().encode(JSON.stringify(json) ?? 'null');
    const out = new Uint8Array(4 + text.length + extra);
    new DataView(out.buffer).setUint32(0, badLength ?? text.length);
    out.set(text, 4);
    return out;
  });

/** The pure steps: split, unpad and the inner decoders, on random bytes and near-valid plaintexts. */
function sealedPlainProperty() {
  return fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), padded, mutated(padded)), (b) => {
    const split = onlySignalingError(() => splitSealedRequest(new Uint8Array(b)));
    if (split) assert.ok((SEALED_SIZES as readonly number[]).includes(b.length));
    const json = onlySignalingError(() => unpad(new Uint8Array(b)));
    if (json === undefined) return;
    const req = onlySignalingError(() => decodeSealedRequest(json));
    if (req) assert.ok((SEALED_PATHS as readonly string[]).includes(req.path) && Number.isSafeInteger(req.t));
    const res = onlySignalingError(() => decodeSealedResponse(json));
    if (res) assert.ok(res.status >= 200 && res.status <= 599);
  });
}

const validRequest = fc
  .tuple(fc.constantFrom(...SEALED_PATHS), fc.nat(), fc.object({ maxDepth: 2 }))
  .chain(([path, t, body]) => fc.constant({ path, t, body }));

/** How to alter a body: bytes overwritten, then cut short or a tail added (none: left as it is). */
const alteration = fc.record({
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  tail: fc.uint8Array({ maxLength: 8 }),
});
type Alteration = typeof alteration extends fc.Arbitrary<infer T> ? T : never;

function alter(body: Uint8Array, a: Alteration): Uint8Array {
  const out = new Uint8Array(body.length + a.tail.length);
  out.set(body);
  out.set(a.tail, body.length);
  for (const [at, value] of a.flips) out[at % out.length] = value;
  return a.cut === undefined ? out : out.subarray(0, a.cut % (out.length + 1));
}

/** The broker opening altered sealed requests, and the client opening altered sealed answers. */
function sealedOpenProperty() {
  return fc.asyncProperty(validRequest, alteration, alteration, async (request, onRequest, onAnswer) => {
    const sealed = await sealRequest(keys.publicKey, request);
    const k = await broker;
    const opened = await onlySignalingErrorAsync(() => k.open(alter(sealed.body, onRequest)));
    if (opened) assert.equal(opened.request.path, request.path, 'what opens is what was sealed');
    const answer = await (await k.open(sealed.body)).seal({ status: 200, now: 1, body: {} });
    const read = await onlySignalingErrorAsync(() => sealed.open(alter(answer, onAnswer)));
    if (read) assert.deepEqual(read, { status: 200, now: 1, body: {} });
  });
}

/** Each of these runs `runs / SEALED_OPEN_DIVISOR` cases for the opens, which cost a key exchange each. */
export const SEALED_OPEN_DIVISOR = 20;

// biome-ignore lint/suspicious/noExplicitAny: properties of different argument types share one list
export const SEALED_PROPERTIES: { name: string; divisor: number; property: () => any }[] = [
  {
    name: 'sealed signaling: split, unpad, inner request and answer',
    divisor: 1,
    property: sealedPlainProperty,
  },
  {
    name: 'sealed signaling: the broker and the client opening altered bodies',
    divisor: SEALED_OPEN_DIVISOR,
    property: sealedOpenProperty,
  },
];

/** Runs one property; throws with fast-check's report on failure; returns the cases run. */
export async function runSealedProperty(
  entry: (typeof SEALED_PROPERTIES)[number],
  runs: number,
): Promise<number> {
  const numRuns = Math.max(1, Math.floor(runs / entry.divisor));
  const details = await fc.check(entry.property(), { numRuns });
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `${entry.name} failed`);
  return details.numRuns;
}
