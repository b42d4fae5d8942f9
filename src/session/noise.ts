/**
 * The session handshake, session-v1 §2: Noise_NK_25519_ChaChaPoly_SHA256 (Noise Protocol Framework rev 34)
 * on node:crypto. The client (initiator) pins the egress's (responder's) static public key:
 *
 *   NK:
 *     <- s
 *     ...
 *     -> e, es
 *     <- e, ee
 *
 * Also re-exports the record AEAD (session-v1 §3) and the key helpers, so the session layer imports one module.
 */
import { HandshakeError } from '../shared/errors.js';
import { AEAD_TAG_BYTES } from './aead.js';
import { dh, generateKeyPair, type KeyPair, X25519_KEY_BYTES } from './keys.js';
import { hkdf, SymmetricState } from './noise-symmetric.js';

export { noiseNonce, open, seal } from './aead.js';
export { decodeKey, encodeKey, generateKeyPair, type KeyPair, publicKeyFromPrivate } from './keys.js';

export const NOISE_PROTOCOL_NAME = 'Noise_NK_25519_ChaChaPoly_SHA256';
/** Noise rev 34 §3: no Noise message is longer than 65535 bytes. */
export const NOISE_MAX_MESSAGE_BYTES = 65_535;
/** Bytes a handshake message adds to its payload: the ephemeral key and the payload's tag. */
export const HANDSHAKE_OVERHEAD_BYTES = X25519_KEY_BYTES + AEAD_TAG_BYTES;
/** Largest payload of a handshake message, bytes. */
export const HANDSHAKE_MAX_PAYLOAD_BYTES = NOISE_MAX_MESSAGE_BYTES - HANDSHAKE_OVERHEAD_BYTES;

const JOIN_LABEL = new TextEncoder().encode('starling join');

/** The three session keys of session-v1 §2, 32 bytes each. */
export interface SessionKeys {
  /** Seals what this side sends (client: kC2S = k1; egress: kS2C = k2). */
  send: Uint8Array;
  /** Opens what this side receives (client: kS2C = k2; egress: kC2S = k1). */
  recv: Uint8Array;
  /** kJoin: HKDF(ck, "starling join") first output; seals JOIN messages (session-v1 §5.1). */
  join: Uint8Array;
}

type Step = 'first' | 'second' | 'done' | 'failed';

function checkKeyLength(key: Uint8Array, what: string): void {
  if (key.length !== X25519_KEY_BYTES) throw new RangeError(`${what} must be ${X25519_KEY_BYTES} bytes`);
}

function checkPayload(payload: Uint8Array): void {
  if (payload.length > HANDSHAKE_MAX_PAYLOAD_BYTES) {
    throw new RangeError(
      `handshake payload is ${payload.length} bytes; at most ${HANDSHAKE_MAX_PAYLOAD_BYTES}`,
    );
  }
}

/** What both roles share: the symmetric state, the step they are at and Split() (Noise §5.2-5.3). */
abstract class NkHandshake {
  protected readonly state = new SymmetricState(NOISE_PROTOCOL_NAME);
  protected readonly ephemeral: KeyPair;
  protected step: Step = 'first';

  constructor(prologue: Uint8Array, responderStatic: Uint8Array, ephemeral: KeyPair | undefined) {
    if (ephemeral !== undefined) {
      checkKeyLength(ephemeral.privateKey, 'ephemeral private key');
      checkKeyLength(ephemeral.publicKey, 'ephemeral public key');
    }
    this.ephemeral = ephemeral ?? generateKeyPair();
    this.state.mixHash(prologue);
    this.state.mixHash(responderStatic); // pre-message "<- s"
  }

  /** h after the last message: equal on both sides of a completed handshake (GetHandshakeHash()). */
  get handshakeHash(): Uint8Array {
    return this.state.handshakeHash;
  }

  protected expectStep(step: Step, operation: string): void {
    if (this.step !== step)
      throw new Error(`Noise NK: ${operation} called out of order (handshake is ${this.step})`);
  }

  /** "e" written: appends our ephemeral public key. */
  protected writeEphemeral(): Uint8Array {
    this.state.mixHash(this.ephemeral.publicKey);
    return this.ephemeral.publicKey;
  }

  /**
   * Reads a whole handshake message `re || encrypted payload`, with `token` the DH after "e" (es or ee).
   * Any failure leaves the handshake failed and throws HandshakeError; the message is never trusted in part.
   */
  protected readMessage(
    message: Uint8Array,
    which: string,
    mixDh: (remoteEphemeral: Uint8Array) => void,
  ): Uint8Array | null {
    this.step = 'failed';
    if (message.length < HANDSHAKE_OVERHEAD_BYTES || message.length > NOISE_MAX_MESSAGE_BYTES) {
      throw new HandshakeError(`${which} is ${message.length} bytes; a valid one is 48 to 65535`);
    }
    const remoteEphemeral = message.subarray(0, X25519_KEY_BYTES);
    this.state.mixHash(remoteEphemeral);
    try {
      mixDh(remoteEphemeral);
    } catch {
      throw new HandshakeError(`${which} carries an invalid ephemeral key`);
    }
    return this.state.decryptAndHash(message.subarray(X25519_KEY_BYTES));
  }

  /** Split() plus kJoin, computed from the final chaining key (session-v1 §2). */
  protected sessionKeys(isInitiator: boolean): SessionKeys {
    this.expectStep('done', 'split()');
    const [k1, k2] = this.state.split();
    const [join] = hkdf(this.state.currentChainingKey, JOIN_LABEL);
    return isInitiator ? { send: k1, recv: k2, join } : { send: k2, recv: k1, join };
  }
}

/** The client side: pins the egress's static public key `remoteStatic`. */
export class NkInitiator extends NkHandshake {
  private readonly remoteStatic: Uint8Array;

  /** `ephemeral` is only for test vectors; by default a fresh key pair is generated. */
  constructor(remoteStatic: Uint8Array, prologue: Uint8Array, ephemeral?: KeyPair) {
    checkKeyLength(remoteStatic, 'pinned egress public key');
    super(prologue, remoteStatic, ephemeral);
    this.remoteStatic = Uint8Array.from(remoteStatic);
  }

  /** Message 1, "-> e, es": e (32 bytes) || payload encrypted under the es key || tag. */
  writeMessage1(payload: Uint8Array): Uint8Array {
    this.expectStep('first', 'writeMessage1()');
    checkPayload(payload);
    this.step = 'failed';
    const e = this.writeEphemeral();
    let es: Uint8Array;
    try {
      es = dh(this.ephemeral.privateKey, this.remoteStatic);
    } catch {
      throw new HandshakeError('the pinned egress key is not a usable X25519 public key');
    }
    this.state.mixKey(es);
    const ciphertext = this.state.encryptAndHash(payload);
    this.step = 'second';
    return Buffer.concat([e, ciphertext]);
  }

  /** Message 2, "<- e, ee": returns the egress's payload; throws HandshakeError if it does not authenticate. */
  readMessage2(message: Uint8Array): Uint8Array {
    this.expectStep('second', 'readMessage2()');
    const payload = this.readMessage(message, 'handshake message 2', (re) =>
      this.state.mixKey(dh(this.ephemeral.privateKey, re)),
    );
    if (payload === null) {
      throw new HandshakeError(
        'handshake message 2 did not authenticate: the reply is not from the pinned egress key (or was altered)',
      );
    }
    this.step = 'done';
    return payload;
  }

  /** send = k1 (client -> egress), recv = k2, join = kJoin. Only after readMessage2. */
  split(): SessionKeys {
    return this.sessionKeys(true);
  }
}

/** The egress side: holds the static key pair that clients pin. */
export class NkResponder extends NkHandshake {
  private readonly staticKeys: KeyPair;
  private remoteEphemeral: Uint8Array | null = null;

  /** `ephemeral` is only for test vectors; by default a fresh key pair is generated. */
  constructor(staticKeys: KeyPair, prologue: Uint8Array, ephemeral?: KeyPair) {
    checkKeyLength(staticKeys.publicKey, 'static public key');
    checkKeyLength(staticKeys.privateKey, 'static private key');
    super(prologue, staticKeys.publicKey, ephemeral);
    this.staticKeys = staticKeys;
  }

  /** Message 1, "-> e, es": returns the client's payload; throws HandshakeError if it cannot be decrypted. */
  readMessage1(message: Uint8Array): Uint8Array {
    this.expectStep('first', 'readMessage1()');
    const payload = this.readMessage(message, 'handshake message 1', (re) => {
      this.remoteEphemeral = Uint8Array.from(re);
      this.state.mixKey(dh(this.staticKeys.privateKey, re));
    });
    if (payload === null) {
      throw new HandshakeError(
        'handshake message 1 did not authenticate: the client pinned another egress key (or it was altered)',
      );
    }
    this.step = 'second';
    return payload;
  }

  /** Message 2, "<- e, ee": e (32 bytes) || payload encrypted under the ee key || tag. */
  writeMessage2(payload: Uint8Array): Uint8Array {
    this.expectStep('second', 'writeMessage2()');
    checkPayload(payload);
    if (this.remoteEphemeral === null) throw new Error('Noise NK: no initiator ephemeral key');
    const e = this.writeEphemeral();
    this.state.mixKey(dh(this.ephemeral.privateKey, this.remoteEphemeral));
    const ciphertext = this.state.encryptAndHash(payload);
    this.step = 'done';
    return Buffer.concat([e, ciphertext]);
  }

  /** send = k2 (egress -> client), recv = k1, join = kJoin. Only after writeMessage2. */
  split(): SessionKeys {
    return this.sessionKeys(false);
  }
}
