/**
 * Noise Protocol Framework rev 34, §4–5 for SHA-256 and ChaChaPoly: HKDF, CipherState and SymmetricState.
 * Only what the NK handshake of session-v1 §2 needs; the transport phase uses session-v1 §3 records instead
 * of Noise CipherStates.
 */
import { createHash, createHmac } from 'node:crypto';
import { noiseNonce, open, seal } from './aead.js';

/** HASHLEN for SHA-256, bytes. */
export const HASHLEN = 32;

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

const BYTE_1 = Uint8Array.of(1);
const BYTE_2 = Uint8Array.of(2);

/** Noise §4.3 HKDF(chaining_key, input_key_material, 2): two 32-byte outputs. */
export function hkdf(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array): [Buffer, Buffer] {
  const tempKey = hmacSha256(chainingKey, inputKeyMaterial);
  const output1 = hmacSha256(tempKey, BYTE_1);
  const output2 = hmacSha256(tempKey, output1, BYTE_2);
  return [output1, output2];
}

/** Noise §5.2 SymmetricState, with the CipherState (§5.1) folded in as `key` and `nonce`. */
export class SymmetricState {
  private chainingKey: Buffer;
  private hash: Buffer;
  private key: Buffer | null = null;
  private nonce = 0;

  /** InitializeSymmetric(protocol_name). */
  constructor(protocolName: string) {
    const name = Buffer.from(protocolName, 'ascii');
    this.hash = Buffer.alloc(HASHLEN);
    if (name.length <= HASHLEN) name.copy(this.hash);
    else this.hash = sha256(name);
    this.chainingKey = this.hash;
  }

  mixHash(data: Uint8Array): void {
    this.hash = sha256(this.hash, data);
  }

  mixKey(inputKeyMaterial: Uint8Array): void {
    const [chainingKey, tempKey] = hkdf(this.chainingKey, inputKeyMaterial);
    this.chainingKey = chainingKey;
    this.key = tempKey;
    this.nonce = 0;
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.key === null ? Buffer.from(plaintext) : this.encrypt(this.key, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** Returns null if the ciphertext does not authenticate; the state is then unusable. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array | null {
    if (this.key === null) {
      this.mixHash(ciphertext);
      return Buffer.from(ciphertext);
    }
    const plaintext = open(this.key, noiseNonce(this.nonce), this.hash, ciphertext);
    if (plaintext === null) return null;
    this.nonce += 1;
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split()'s two cipher keys (Noise §5.2): k1 for initiator -> responder, k2 for the other way. */
  split(): [Buffer, Buffer] {
    return hkdf(this.chainingKey, new Uint8Array(0));
  }

  /** The current chaining key `ck` (after the last message: the final one). */
  get currentChainingKey(): Uint8Array {
    return this.chainingKey;
  }

  /** The current handshake hash `h` (after the last message: GetHandshakeHash()). */
  get handshakeHash(): Uint8Array {
    return Buffer.from(this.hash);
  }

  private encrypt(key: Buffer, plaintext: Uint8Array): Uint8Array {
    const ciphertext = seal(key, noiseNonce(this.nonce), this.hash, plaintext);
    this.nonce += 1;
    return ciphertext;
  }
}
