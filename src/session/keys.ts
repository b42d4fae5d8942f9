/**
 * X25519 keys as raw 32-byte strings (RFC 7748) on node:crypto, and their text form: base64url without
 * padding, 43 characters (session-v1 §2: the egress's static public key is distributed that way).
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

export const X25519_KEY_BYTES = 32;

/** A raw X25519 key pair: 32-byte private scalar and 32-byte public u-coordinate. */
export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

// DER prefixes of PKCS#8 / SPKI wrappers for an X25519 key (RFC 8410, OID 1.3.101.110); the raw key follows.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function checkLength(key: Uint8Array, what: string): void {
  if (key.length !== X25519_KEY_BYTES) {
    throw new RangeError(`${what} must be ${X25519_KEY_BYTES} bytes, got ${key.length}`);
  }
}

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  checkLength(privateKey, 'X25519 private key');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  checkLength(publicKey, 'X25519 public key');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

function rawPublic(key: KeyObject): Uint8Array {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

export function generateKeyPair(): KeyPair {
  const pair = generateKeyPairSync('x25519');
  const privateKey = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  return { publicKey: rawPublic(pair.publicKey), privateKey };
}

export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  return rawPublic(createPublicKey(privateKeyObject(privateKey)));
}

/**
 * X25519(privateKey, publicKey). Throws if the result is all zeros (a low-order public key; OpenSSL refuses
 * it), which callers inside the handshake turn into a HandshakeError.
 */
export function dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) });
}

/** base64url without padding: 43 characters for a 32-byte key. */
export function encodeKey(key: Uint8Array): string {
  checkLength(key, 'key');
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64url');
}

const ENCODED_KEY = /^[A-Za-z0-9_-]{43}$/;

/** Parses a key written by encodeKey; throws an Error naming the problem for anything else. */
export function decodeKey(text: string): Uint8Array {
  const expected = 'expected 43 characters of base64url without padding (32 bytes)';
  if (typeof text !== 'string') throw new Error(`invalid key: ${expected}, got ${typeof text}`);
  if (text.length !== 43) throw new Error(`invalid key: ${expected}, got ${text.length} characters`);
  if (!ENCODED_KEY.test(text))
    throw new Error(`invalid key: ${expected}, got characters outside A-Z a-z 0-9 - _`);
  const key = Buffer.from(text, 'base64url');
  // The last character carries 2 unused bits; only the canonical form (those bits zero) is accepted.
  if (key.length !== X25519_KEY_BYTES || key.toString('base64url') !== text) {
    throw new Error('invalid key: not the canonical base64url form of 32 bytes');
  }
  return key;
}
