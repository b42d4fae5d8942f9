/**
 * Sealed signaling bodies (signaling-v1 §10): a request encrypted to the broker's public key with HPKE
 * (RFC 9180, ./hpke.ts) and its response sealed under a key exported from the same exchange, as Oblivious
 * HTTP does (RFC 9458 §4.3, §4.4); both padded to one of SEALED_SIZES, so a front that terminates TLS sees
 * neither SDPs nor NAT classes nor sizes beyond a bucket. Web-standard only: the widget runs this too.
 *
 * Request body (`POST /v1/sealed`, `application/octet-stream`), exactly one of SEALED_SIZES bytes:
 *
 * | bytes | field                                                                          |
 * | ----: | ------------------------------------------------------------------------------ |
 * |     1 | key id: the first byte of SHA-256(broker public key)                           |
 * |     6 | suite: KEM 0x0020, KDF 0x0001, AEAD 0x0001 (two bytes each, big-endian)        |
 * |    32 | enc: the sender's ephemeral X25519 public key                                  |
 * |  rest | HPKE Seal(info = REQUEST_LABEL 0x00 header(7), aad = empty, padded plaintext)  |
 *
 * Response body (status 200), exactly one of SEALED_SIZES bytes: a 16-byte random nonce, then AES-128-GCM
 * under a key derived from Export(RESPONSE_LABEL, 16), enc and that nonce (RFC 9458 §4.4).
 *
 * Padded plaintext: 4 bytes big-endian length n, n bytes of UTF-8 JSON, zeros to the end (checked).
 */
import { SignalingError } from './errors.js';
import {
  aesGcmOpen,
  aesGcmSeal,
  type Bytes,
  concat,
  HPKE_ENC_BYTES,
  HPKE_TAG_BYTES,
  type HpkeContext,
  HpkeOpenError,
  hkdf,
  importPrivateKey,
  setupReceiver,
  setupSender,
} from './hpke.js';

/** signaling-v1 §10: every sealed body, either way, is exactly one of these sizes, bytes. */
export const SEALED_SIZES = [2048, 8192, 65_536] as const;
/** signaling-v1 §10: the paths a sealed request may name. */
export const SEALED_PATHS = [
  '/v1/volunteer/poll',
  '/v1/volunteer/answer',
  '/v1/client/offer',
  '/v1/client/outcome',
] as const;
export type SealedPath = (typeof SEALED_PATHS)[number];

const REQUEST_LABEL = 'starling signaling-v1 sealed request';
const RESPONSE_LABEL = 'starling signaling-v1 sealed response';
const SUITE = new Uint8Array([0x00, 0x20, 0x00, 0x01, 0x00, 0x01]);
const HEADER_BYTES = 1 + SUITE.length;
const RESPONSE_NONCE_BYTES = 16;
const LENGTH_BYTES = 4;
/** Bytes of a sealed request and a sealed response outside the padded plaintext. */
const REQUEST_OVERHEAD = HEADER_BYTES + HPKE_ENC_BYTES + HPKE_TAG_BYTES;
const RESPONSE_OVERHEAD = RESPONSE_NONCE_BYTES + HPKE_TAG_BYTES;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What a sealed request carries: the v1 route, the sender's clock, and the v1 request body. */
export interface SealedRequest {
  path: SealedPath;
  /** The sender's time, ms since the epoch (corrected by the broker's `now`, §10 Replay). */
  t: number;
  body: object;
}

/** What a sealed response carries: the v1 status and body, and the broker's clock. */
export interface SealedResponse {
  status: number;
  /** The broker's time, ms since the epoch. */
  now: number;
  body: object;
}

function badSeal(message: string): SignalingError {
  return new SignalingError('bad-seal', message);
}

/** signaling-v1 §10: the key id of a broker public key. */
export async function keyIdOf(publicKey: Bytes): Promise<number> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', publicKey))[0]!;
}

/** The smallest of SEALED_SIZES that holds `jsonBytes` with `overhead`; a `too-large` error if none. */
function sizeFor(jsonBytes: number, overhead: number): number {
  for (const size of SEALED_SIZES) if (LENGTH_BYTES + jsonBytes + overhead <= size) return size;
  const most = SEALED_SIZES[SEALED_SIZES.length - 1]! - overhead - LENGTH_BYTES;
  throw new SignalingError('too-large', `sealed body over ${most} bytes of JSON`);
}

/** Length-prefixed, zero-padded plaintext that, with `overhead` bytes around it, fills one of SEALED_SIZES. */
export function pad(json: object, overhead: number): Bytes {
  const text = utf8.encode(JSON.stringify(json));
  const out = new Uint8Array(sizeFor(text.length, overhead) - overhead);
  new DataView(out.buffer).setUint32(0, text.length);
  out.set(text, LENGTH_BYTES);
  return out;
}

/** Reverses `pad` strictly: the length must fit and every padding byte must be zero; returns the JSON. */
export function unpad(padded: Bytes): unknown {
  if (padded.length < LENGTH_BYTES) throw badSeal('sealed plaintext too short');
  const n = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0);
  if (n > padded.length - LENGTH_BYTES) throw badSeal('sealed plaintext length out of range');
  for (let i = LENGTH_BYTES + n; i < padded.length; i++) {
    if (padded[i] !== 0) throw badSeal('sealed padding is not zero');
  }
  let text: string;
  try {
    text = strictUtf8.decode(padded.subarray(LENGTH_BYTES, LENGTH_BYTES + n));
  } catch {
    throw badSeal('sealed plaintext is not UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badSeal('sealed plaintext is not JSON');
  }
}

function fieldsOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badSeal(`${what} must be a JSON object`);
  const f = value as Record<string, unknown>;
  if (f.v !== 1) throw badSeal(`${what}: unsupported version; this broker speaks v 1`);
  return f;
}

function objectField(f: Record<string, unknown>, name: string, what: string): object {
  const value = f[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badSeal(`${what}: "${name}" must be an object`);
  return value;
}

function timeField(f: Record<string, unknown>, name: string, what: string): number {
  const value = f[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw badSeal(`${what}: "${name}" must be ms since the epoch`);
  return value;
}

/** signaling-v1 §10: the inner request `{"v":1,"path":PATH,"t":MS,"body":{...}}`, strictly. */
export function decodeSealedRequest(value: unknown): SealedRequest {
  const f = fieldsOf(value, 'sealed request');
  const path = f.path;
  if (typeof path !== 'string' || !(SEALED_PATHS as readonly string[]).includes(path))
    throw badSeal(`sealed request: "path" must be one of ${SEALED_PATHS.join(', ')}`);
  return {
    path: path as SealedPath,
    t: timeField(f, 't', 'sealed request'),
    body: objectField(f, 'body', 'sealed request'),
  };
}

/** signaling-v1 §10: the inner response `{"v":1,"status":N,"now":MS,"body":{...}}`, strictly. */
export function decodeSealedResponse(value: unknown): SealedResponse {
  const f = fieldsOf(value, 'sealed response');
  const status = f.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599)
    throw badSeal('sealed response: "status" must be an HTTP status');
  return {
    status,
    now: timeField(f, 'now', 'sealed response'),
    body: objectField(f, 'body', 'sealed response'),
  };
}

/**
 * Checks what can be checked without a key: the size is one of SEALED_SIZES, the suite is ours. Returns the
 * header, enc and ciphertext. Throws `bad-seal`.
 */
export function splitSealedRequest(body: Bytes): { header: Bytes; enc: Bytes; ct: Bytes } {
  if (!(SEALED_SIZES as readonly number[]).includes(body.length))
    throw badSeal(`a sealed body is ${SEALED_SIZES.join(', ')} bytes, not ${body.length}`);
  const header = body.subarray(0, HEADER_BYTES);
  for (let i = 0; i < SUITE.length; i++) {
    if (header[1 + i] !== SUITE[i]) throw badSeal('sealed body: unknown HPKE suite');
  }
  return {
    header,
    enc: body.subarray(HEADER_BYTES, HEADER_BYTES + HPKE_ENC_BYTES),
    ct: body.subarray(HEADER_BYTES + HPKE_ENC_BYTES),
  };
}

function requestInfo(header: Bytes): Bytes {
  return concat(utf8.encode(REQUEST_LABEL), new Uint8Array([0]), header);
}

/** RFC 9458 §4.4: the response key and nonce from the exchange's exported secret, enc and a fresh nonce. */
async function responseKey(context: HpkeContext, enc: Bytes, nonce: Bytes) {
  const secret = await context.export(utf8.encode(RESPONSE_LABEL), 16);
  const salt = concat(enc, nonce);
  return { key: await hkdf(salt, secret, 'key', 16), nonce: await hkdf(salt, secret, 'nonce', 12) };
}

/**
 * The client's side: seals `request` to the broker's public key. `open` reads the broker's answer to it;
 * a body that does not open is `bad-response`, since only the broker could have made a valid one.
 */
export async function sealRequest(
  brokerPublicKey: Uint8Array,
  request: SealedRequest,
): Promise<{ body: Bytes; open: (body: Uint8Array) => Promise<SealedResponse> }> {
  if (globalThis.crypto?.subtle === undefined)
    throw new SignalingError('bad-response', 'sealed signaling needs WebCrypto (an https: page)');
  const brokerKey = new Uint8Array(brokerPublicKey);
  const header = concat(new Uint8Array([await keyIdOf(brokerKey)]), SUITE);
  const { enc, context } = await setupSender(brokerKey, requestInfo(header));
  const padded = pad({ v: 1, ...request }, REQUEST_OVERHEAD);
  const ct = await context.seal(new Uint8Array(0), padded);
  const open = async (given: Uint8Array): Promise<SealedResponse> => {
    const answer = new Uint8Array(given);
    const bad = (m: string) => new SignalingError('bad-response', `sealed answer: ${m}`, { status: 200 });
    if (!(SEALED_SIZES as readonly number[]).includes(answer.length)) throw bad(`${answer.length} bytes`);
    const nonce = answer.subarray(0, RESPONSE_NONCE_BYTES);
    const k = await responseKey(context, enc, nonce);
    let plain: Bytes;
    try {
      plain = await aesGcmOpen(k.key, k.nonce, new Uint8Array(0), answer.subarray(RESPONSE_NONCE_BYTES));
    } catch {
      throw bad("does not open under this request's key");
    }
    try {
      return decodeSealedResponse(unpad(plain));
    } catch (e) {
      throw bad((e as Error).message);
    }
  };
  return { body: concat(header, enc, ct), open };
}

/** The broker's side of sealed bodies: its key pair, opening requests and sealing their answers. */
export class SealedBrokerKey {
  readonly publicKey: Bytes;
  readonly #privateKey: CryptoKey;
  readonly #keyId: number;

  private constructor(publicKey: Bytes, privateKey: CryptoKey, keyId: number) {
    this.publicKey = publicKey;
    this.#privateKey = privateKey;
    this.#keyId = keyId;
  }

  static async create(keys: { privateKey: Uint8Array; publicKey: Uint8Array }): Promise<SealedBrokerKey> {
    const publicKey = new Uint8Array(keys.publicKey);
    const privateKey = await importPrivateKey(new Uint8Array(keys.privateKey));
    return new SealedBrokerKey(publicKey, privateKey, await keyIdOf(publicKey));
  }

  /**
   * Opens a sealed request body. Throws `wrong-key` when it was sealed to another key, `bad-seal` when it
   * does not open or its plaintext is malformed. `seal` answers it (signaling-v1 §10).
   */
  async open(given: Uint8Array): Promise<{
    request: SealedRequest;
    enc: Bytes;
    seal: (response: SealedResponse) => Promise<Bytes>;
  }> {
    const { header, enc, ct } = splitSealedRequest(new Uint8Array(given));
    if (header[0] !== this.#keyId)
      throw new SignalingError('wrong-key', "sealed to another key than this broker's (see GET /v1/info)");
    let context: HpkeContext;
    let plain: Bytes;
    try {
      context = await setupReceiver(
        enc,
        { privateKey: this.#privateKey, publicKey: this.publicKey },
        requestInfo(header),
      );
      plain = await context.open(new Uint8Array(0), ct);
    } catch (e) {
      if (!(e instanceof HpkeOpenError)) throw e;
      throw badSeal("sealed body does not open under this broker's key");
    }
    const request = decodeSealedRequest(unpad(plain));
    const seal = async (response: SealedResponse): Promise<Bytes> => {
      const nonce = crypto.getRandomValues(new Uint8Array(RESPONSE_NONCE_BYTES));
      const k = await responseKey(context, enc, nonce);
      const padded = pad({ v: 1, ...response }, RESPONSE_OVERHEAD);
      return concat(nonce, await aesGcmSeal(k.key, k.nonce, new Uint8Array(0), padded));
    };
    return { request, enc, seal };
  }
}
