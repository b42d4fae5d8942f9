/**
 * HPKE (RFC 9180) in base mode, one suite only: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM
 * (KEM 0x0020, KDF 0x0001, AEAD 0x0001), single-shot (sequence number 0) plus the secret export. This is
 * what sealed signaling (signaling-v1 §10) is built on. WebCrypto only (`crypto.subtle`), so the same code
 * runs in the widget and in Node; test/signaling/hpke.test.ts checks it against RFC 9180 Appendix A.1.1.
 */

/** Bytes on an ArrayBuffer, as WebCrypto takes them. */
export type Bytes = Uint8Array<ArrayBuffer>;

const enc = new TextEncoder();
const HASH_BYTES = 32;
const KEY_BYTES = 16;
const NONCE_BYTES = 12;
/** Bytes of an X25519 public key, the HPKE `enc` of this suite. */
export const HPKE_ENC_BYTES = 32;
/** Bytes an AES-GCM seal adds. */
export const HPKE_TAG_BYTES = 16;

const KEM_SUITE = concat(enc.encode('KEM'), u16(0x0020));
const HPKE_SUITE = concat(enc.encode('HPKE'), u16(0x0020), u16(0x0001), u16(0x0001));
const VERSION_LABEL = enc.encode('HPKE-v1');
// RFC 8410 PKCS#8 wrapper of a raw X25519 private key: WebCrypto imports private keys only wrapped.
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/** A failure to open: wrong key, altered bytes, a low-order public key. Carries no detail on purpose. */
export class HpkeOpenError extends Error {
  override readonly name = 'HpkeOpenError';
}

export function concat(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u16(n: number): Bytes {
  return new Uint8Array([n >> 8, n & 0xff]);
}

async function hmac(key: Bytes, data: Bytes): Promise<Bytes> {
  // WebCrypto refuses a zero-length HMAC key; HMAC pads its key with zeros, so HashLen zeros is the same.
  const k = await crypto.subtle.importKey(
    'raw',
    key.length === 0 ? new Uint8Array(HASH_BYTES) : key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}

/** RFC 5869 Expand, for L <= 255 * 32. */
async function expand(prk: Bytes, info: Bytes, length: number): Promise<Bytes> {
  const out = new Uint8Array(length);
  let block = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    block = await hmac(prk, concat(block, info, new Uint8Array([i])));
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    at += block.length;
  }
  return out;
}

function labeledExtract(suite: Bytes, salt: Bytes, label: string, ikm: Bytes) {
  return hmac(salt, concat(VERSION_LABEL, suite, enc.encode(label), ikm));
}

function labeledExpand(suite: Bytes, prk: Bytes, label: string, info: Bytes, length: number) {
  return expand(prk, concat(u16(length), VERSION_LABEL, suite, enc.encode(label), info), length);
}

export async function importPrivateKey(raw: Bytes): Promise<CryptoKey> {
  if (raw.length !== 32) throw new RangeError(`an X25519 private key is 32 bytes, not ${raw.length}`);
  return crypto.subtle.importKey('pkcs8', concat(PKCS8_PREFIX, raw), { name: 'X25519' }, true, [
    'deriveBits',
  ]);
}

async function importPublicKey(raw: Bytes): Promise<CryptoKey> {
  if (raw.length !== HPKE_ENC_BYTES) throw new HpkeOpenError('bad public key length');
  return crypto.subtle.importKey('raw', raw, { name: 'X25519' }, true, []);
}

async function x25519(privateKey: CryptoKey, publicRaw: Bytes): Promise<Bytes> {
  let shared: Bytes;
  try {
    const pub = await importPublicKey(publicRaw);
    shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pub }, privateKey, 256));
  } catch {
    throw new HpkeOpenError('X25519 failed');
  }
  // RFC 9180 §7.1.4: an all-zero shared secret (a low-order point) must be refused.
  if (shared.every((b) => b === 0)) throw new HpkeOpenError('X25519 gave zero');
  return shared;
}

/** RFC 9180 §4.1 ExtractAndExpand, then §5.1 KeySchedule in mode_base with no PSK. */
async function keySchedule(dh: Bytes, kemContext: Bytes, info: Bytes): Promise<HpkeContext> {
  const eaePrk = await labeledExtract(KEM_SUITE, new Uint8Array(0), 'eae_prk', dh);
  const shared = await labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', kemContext, HASH_BYTES);
  const none = new Uint8Array(0);
  const pskIdHash = await labeledExtract(HPKE_SUITE, none, 'psk_id_hash', none);
  const infoHash = await labeledExtract(HPKE_SUITE, none, 'info_hash', info);
  const context = concat(new Uint8Array([0]), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE, shared, 'secret', none);
  const key = await labeledExpand(HPKE_SUITE, secret, 'key', context, KEY_BYTES);
  const nonce = await labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, NONCE_BYTES);
  const exporter = await labeledExpand(HPKE_SUITE, secret, 'exp', context, HASH_BYTES);
  return new HpkeContext(key, nonce, exporter);
}

/** The context of one exchange: the first message (sequence 0) each way it is used for, and export. */
export class HpkeContext {
  readonly #key: Bytes;
  readonly #nonce: Bytes;
  readonly #exporter: Bytes;

  constructor(key: Bytes, nonce: Bytes, exporter: Bytes) {
    this.#key = key;
    this.#nonce = nonce;
    this.#exporter = exporter;
  }

  /** For the RFC 9180 vectors only. */
  get secretsForTest(): { key: Bytes; baseNonce: Bytes; exporterSecret: Bytes } {
    return { key: this.#key, baseNonce: this.#nonce, exporterSecret: this.#exporter };
  }

  /** RFC 9180 §5.2 Seal at sequence number 0. */
  seal(aad: Bytes, plaintext: Bytes): Promise<Bytes> {
    return aesGcmSeal(this.#key, this.#nonce, aad, plaintext);
  }

  /** RFC 9180 §5.2 Open at sequence number 0; throws HpkeOpenError. */
  open(aad: Bytes, ciphertext: Bytes): Promise<Bytes> {
    return aesGcmOpen(this.#key, this.#nonce, aad, ciphertext);
  }

  /** RFC 9180 §5.3 Export. */
  export(exporterContext: Bytes, length: number): Promise<Bytes> {
    return labeledExpand(HPKE_SUITE, this.#exporter, 'sec', exporterContext, length);
  }
}

export async function aesGcmSeal(key: Bytes, nonce: Bytes, aad: Bytes, plaintext: Bytes): Promise<Bytes> {
  const k = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  const params = { name: 'AES-GCM', iv: nonce, additionalData: aad };
  return new Uint8Array(await crypto.subtle.encrypt(params, k, plaintext));
}

export async function aesGcmOpen(key: Bytes, nonce: Bytes, aad: Bytes, ciphertext: Bytes): Promise<Bytes> {
  const k = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']);
  try {
    const params = { name: 'AES-GCM', iv: nonce, additionalData: aad };
    return new Uint8Array(await crypto.subtle.decrypt(params, k, ciphertext));
  } catch {
    throw new HpkeOpenError('AEAD open failed');
  }
}

/** HKDF-Extract then Expand with plain (unlabeled) labels, as RFC 9458 §4.4 derives the response key. */
export async function hkdf(salt: Bytes, ikm: Bytes, info: string, length: number) {
  return expand(await hmac(salt, ikm), enc.encode(info), length);
}

/**
 * RFC 9180 §5.1.1 SetupBaseS: encapsulates to `recipient` (raw public key). `ephemeral` (a raw private key)
 * is for the test vectors; normally a fresh key pair is made.
 */
export async function setupSender(
  recipient: Bytes,
  info: Bytes,
  ephemeral?: Bytes,
): Promise<{ enc: Bytes; context: HpkeContext }> {
  let privateKey: CryptoKey;
  let publicRaw: Bytes;
  if (ephemeral === undefined) {
    const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
    privateKey = pair.privateKey;
    publicRaw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  } else {
    privateKey = await importPrivateKey(ephemeral);
    publicRaw = await publicOf(privateKey);
  }
  const dh = await x25519(privateKey, recipient);
  const context = await keySchedule(dh, concat(publicRaw, recipient), info);
  return { enc: publicRaw, context };
}

/** RFC 9180 §5.1.1 SetupBaseR; throws HpkeOpenError for a bad `enc`. */
export async function setupReceiver(
  encapsulated: Bytes,
  recipient: { privateKey: CryptoKey; publicKey: Bytes },
  info: Bytes,
): Promise<HpkeContext> {
  const dh = await x25519(recipient.privateKey, encapsulated);
  return keySchedule(dh, concat(encapsulated, recipient.publicKey), info);
}

/** The raw public key of an imported private key (read from its JWK, the one export WebCrypto offers). */
export async function publicOf(privateKey: CryptoKey): Promise<Bytes> {
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  return fromBase64Url(jwk.x ?? '');
}

export function fromBase64Url(text: string): Bytes {
  const b64 = text.replaceAll('-', '+').replaceAll('_', '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
