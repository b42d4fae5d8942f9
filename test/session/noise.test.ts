import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dh } from '../../src/session/keys.js';
import {
  decodeKey,
  encodeKey,
  generateKeyPair,
  type KeyPair,
  NkInitiator,
  NkResponder,
  noiseNonce,
  open,
  publicKeyFromPrivate,
  seal,
} from '../../src/session/noise.js';
import { HandshakeError } from '../../src/shared/errors.js';

interface NoiseVector {
  protocol_name: string;
  init_prologue: string;
  init_ephemeral: string;
  init_remote_static: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/noise-nk-vectors.json', import.meta.url), 'utf8'),
) as { vectors: NoiseVector[] };

const PROLOGUE = new TextEncoder().encode('starling/1');
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const pairFrom = (privateHex: string): KeyPair => ({
  privateKey: hex(privateHex),
  publicKey: publicKeyFromPrivate(hex(privateHex)),
});
const flipBit = (message: Uint8Array, bit: number): Uint8Array => {
  const copy = Uint8Array.from(message);
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return copy;
};

test('reproduces the published Noise_NK_25519_ChaChaPoly_SHA256 vector', () => {
  assert.ok(fixture.vectors.length > 0);
  for (const v of fixture.vectors) {
    assert.equal(v.protocol_name, 'Noise_NK_25519_ChaChaPoly_SHA256');
    assert.equal(toHex(publicKeyFromPrivate(hex(v.resp_static))), v.init_remote_static);
    const [m1, m2, ...transport] = v.messages;
    assert.ok(m1 && m2 && transport.length === 4);

    const client = new NkInitiator(
      hex(v.init_remote_static),
      hex(v.init_prologue),
      pairFrom(v.init_ephemeral),
    );
    const egress = new NkResponder(pairFrom(v.resp_static), hex(v.resp_prologue), pairFrom(v.resp_ephemeral));
    const message1 = client.writeMessage1(hex(m1.payload));
    assert.equal(toHex(message1), m1.ciphertext);
    assert.equal(toHex(egress.readMessage1(message1)), m1.payload);
    const message2 = egress.writeMessage2(hex(m2.payload));
    assert.equal(toHex(message2), m2.ciphertext);
    assert.equal(toHex(client.readMessage2(message2)), m2.payload);
    assert.equal(toHex(client.handshakeHash), v.handshake_hash);
    assert.equal(toHex(egress.handshakeHash), v.handshake_hash);

    // kJoin (session-v1 §2), recomputed from scratch: ck starts as the protocol name, each DH goes through
    // HKDF's first output, and kJoin = HKDF(ck, "starling join") first output.
    const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Buffer => {
      const mac = createHmac('sha256', key);
      for (const part of parts) mac.update(part);
      return mac.digest();
    };
    const hkdf1 = (ck: Uint8Array, ikm: Uint8Array): Buffer => hmac(hmac(ck, ikm), Buffer.of(1));
    const responderEphemeral = publicKeyFromPrivate(hex(v.resp_ephemeral));
    let ck: Uint8Array = Buffer.from(v.protocol_name);
    ck = hkdf1(ck, dh(hex(v.init_ephemeral), hex(v.init_remote_static)));
    ck = hkdf1(ck, dh(hex(v.init_ephemeral), responderEphemeral));
    const join = hkdf1(ck, Buffer.from('starling join'));
    assert.equal(toHex(client.split().join), toHex(join));
    assert.equal(toHex(egress.split().join), toHex(join));

    // Transport messages: initiator and responder alternate; each direction counts its Noise nonce from 0.
    const clientKeys = client.split();
    const egressKeys = egress.split();
    const empty = new Uint8Array(0);
    transport.forEach((message, index) => {
      const fromClient = index % 2 === 0;
      const nonce = noiseNonce(Math.floor(index / 2));
      const sendKey = fromClient ? clientKeys.send : egressKeys.send;
      const recvKey = fromClient ? egressKeys.recv : clientKeys.recv;
      assert.equal(toHex(seal(sendKey, nonce, empty, hex(message.payload))), message.ciphertext);
      assert.equal(toHex(open(recvKey, nonce, empty, hex(message.ciphertext)) ?? empty), message.payload);
    });
  }
});

test('noiseNonce is 4 zero bytes then a 64-bit little-endian counter', () => {
  assert.equal(toHex(noiseNonce(0)), '000000000000000000000000');
  assert.equal(toHex(noiseNonce(0x0102)), '000000000201000000000000');
  assert.throws(() => noiseNonce(-1), RangeError);
});

test('key pairs: public key derives from the private key, and DH agrees both ways', () => {
  const a = generateKeyPair();
  const b = generateKeyPair();
  assert.equal(a.privateKey.length, 32);
  assert.equal(a.publicKey.length, 32);
  assert.deepEqual(publicKeyFromPrivate(a.privateKey), a.publicKey);
  assert.deepEqual(dh(a.privateKey, b.publicKey), dh(b.privateKey, a.publicKey));
  assert.notDeepEqual(a.publicKey, b.publicKey);
});

function handshake(egressKeys: KeyPair, pinned: Uint8Array = egressKeys.publicKey) {
  const client = new NkInitiator(pinned, PROLOGUE);
  const egress = new NkResponder(egressKeys, PROLOGUE);
  const hello = Buffer.from('hello from the client');
  const reply = Buffer.from('reply from the egress');
  assert.deepEqual(egress.readMessage1(client.writeMessage1(hello)), hello);
  assert.deepEqual(client.readMessage2(egress.writeMessage2(reply)), reply);
  return { client, egress };
}

test('round trip with random keys: payloads arrive and session keys match crosswise', () => {
  const { client, egress } = handshake(generateKeyPair());
  const c = client.split();
  const e = egress.split();
  assert.deepEqual(c.send, e.recv);
  assert.deepEqual(c.recv, e.send);
  assert.deepEqual(c.join, e.join);
  for (const key of [c.send, c.recv, c.join]) assert.equal(key.length, 32);
  assert.notDeepEqual(c.send, c.recv);
  assert.notDeepEqual(c.join, c.send);
  assert.notDeepEqual(c.join, c.recv);
  assert.deepEqual(client.handshakeHash, egress.handshakeHash);

  const again = handshake(generateKeyPair()).client.split();
  assert.notDeepEqual(again.send, c.send);
  assert.notDeepEqual(again.join, c.join);
});

test('empty payloads and the largest payload both work', () => {
  const keys = generateKeyPair();
  const client = new NkInitiator(keys.publicKey, PROLOGUE);
  const egress = new NkResponder(keys, PROLOGUE);
  const big = Buffer.alloc(65_535 - 48, 7);
  const message1 = client.writeMessage1(big);
  assert.equal(message1.length, 65_535);
  assert.deepEqual(egress.readMessage1(message1), big);
  assert.equal(client.readMessage2(egress.writeMessage2(new Uint8Array(0))).length, 0);
  assert.throws(
    () => new NkInitiator(keys.publicKey, PROLOGUE).writeMessage1(Buffer.alloc(65_535 - 47)),
    RangeError,
  );
});

test('a client that pinned another key is refused by the egress on message 1', () => {
  const egressKeys = generateKeyPair();
  const mallory = generateKeyPair();
  const client = new NkInitiator(mallory.publicKey, PROLOGUE);
  const egress = new NkResponder(egressKeys, PROLOGUE);
  assert.throws(() => egress.readMessage1(client.writeMessage1(Buffer.from('hi'))), HandshakeError);
});

test('a man in the middle with its own key pair completes the handshake with neither party', () => {
  const egressKeys = generateKeyPair();
  const mallory = generateKeyPair();
  const payload = Buffer.from('pathId etc.');

  // Mallory answers the client itself: it cannot read message 1 (with its key, or claiming the egress's).
  const message1 = new NkInitiator(egressKeys.publicKey, PROLOGUE).writeMessage1(payload);
  assert.throws(() => new NkResponder(mallory, PROLOGUE).readMessage1(message1), HandshakeError);
  const impostor = { publicKey: egressKeys.publicKey, privateKey: mallory.privateKey };
  assert.throws(() => new NkResponder(impostor, PROLOGUE).readMessage1(message1), HandshakeError);

  // Mallory relays to the real egress but puts its own ephemeral key into message 2.
  const client = new NkInitiator(egressKeys.publicKey, PROLOGUE);
  const egress = new NkResponder(egressKeys, PROLOGUE);
  egress.readMessage1(client.writeMessage1(payload));
  const swapped = Buffer.from(egress.writeMessage2(payload));
  Buffer.from(mallory.publicKey).copy(swapped, 0);
  assert.throws(() => client.readMessage2(swapped), HandshakeError);
  assert.throws(() => client.split(), /out of order/);

  // Mallory replays a message 2 from an earlier session with the real egress.
  const earlier = new NkResponder(egressKeys, PROLOGUE);
  const victim = new NkInitiator(egressKeys.publicKey, PROLOGUE);
  earlier.readMessage1(new NkInitiator(egressKeys.publicKey, PROLOGUE).writeMessage1(payload));
  const replayed = earlier.writeMessage2(payload);
  victim.writeMessage1(payload);
  assert.throws(() => victim.readMessage2(replayed), HandshakeError);
});

test('a different prologue (protocol version) fails the handshake', () => {
  const keys = generateKeyPair();
  const client = new NkInitiator(keys.publicKey, new TextEncoder().encode('starling/2'));
  const egress = new NkResponder(keys, PROLOGUE);
  assert.throws(() => egress.readMessage1(client.writeMessage1(new Uint8Array(0))), HandshakeError);
});

test('flipping any bit of message 1 or message 2 fails with HandshakeError', () => {
  const egressKeys = generateKeyPair();
  const clientEphemeral = generateKeyPair();
  const newClient = () => new NkInitiator(egressKeys.publicKey, PROLOGUE, clientEphemeral);
  const message1 = newClient().writeMessage1(Buffer.from('twelve bytes'));
  const egress = new NkResponder(egressKeys, PROLOGUE);
  egress.readMessage1(message1);
  const message2 = egress.writeMessage2(Buffer.from('twenty-eight bytes of reply.'));

  for (let bit = 0; bit < message1.length * 8; bit++) {
    const responder = new NkResponder(egressKeys, PROLOGUE);
    assert.throws(
      () => responder.readMessage1(flipBit(message1, bit)),
      HandshakeError,
      `message 1 bit ${bit}`,
    );
  }
  for (let bit = 0; bit < message2.length * 8; bit++) {
    const client = newClient();
    assert.deepEqual(client.writeMessage1(Buffer.from('twelve bytes')), message1);
    assert.throws(() => client.readMessage2(flipBit(message2, bit)), HandshakeError, `message 2 bit ${bit}`);
  }
  const control = newClient();
  control.writeMessage1(Buffer.from('twelve bytes'));
  assert.equal(control.readMessage2(message2).length, 28);
});

test('truncated, extended, oversized and low-order messages fail with HandshakeError', () => {
  const egressKeys = generateKeyPair();
  const client = new NkInitiator(egressKeys.publicKey, PROLOGUE);
  const message1 = client.writeMessage1(Buffer.from('payload'));
  const egress = new NkResponder(egressKeys, PROLOGUE);
  egress.readMessage1(message1);
  const message2 = egress.writeMessage2(Buffer.from('reply'));

  const bad1: Uint8Array[] = [
    new Uint8Array(65_536),
    Buffer.concat([message1, Buffer.of(0)]),
    new Uint8Array(48),
  ];
  for (let n = 0; n < message1.length; n++) bad1.push(message1.subarray(0, n));
  for (const message of bad1) {
    assert.throws(() => new NkResponder(egressKeys, PROLOGUE).readMessage1(message), HandshakeError);
  }
  const bad2: Uint8Array[] = [
    new Uint8Array(65_536),
    Buffer.concat([message2, Buffer.of(0)]),
    new Uint8Array(64),
  ];
  for (let n = 0; n < message2.length; n++) bad2.push(message2.subarray(0, n));
  for (const message of bad2) {
    const fresh = new NkInitiator(egressKeys.publicKey, PROLOGUE);
    fresh.writeMessage1(new Uint8Array(0));
    assert.throws(() => fresh.readMessage2(message), HandshakeError);
  }
  assert.throws(
    () => new NkInitiator(new Uint8Array(32), PROLOGUE).writeMessage1(Buffer.of(1)),
    HandshakeError,
  );
});

test('calls out of order and keys of the wrong size are programming errors', () => {
  const keys = generateKeyPair();
  const client = new NkInitiator(keys.publicKey, PROLOGUE);
  assert.throws(() => client.readMessage2(new Uint8Array(48)), /out of order/);
  assert.throws(() => client.split(), /out of order/);
  client.writeMessage1(new Uint8Array(0));
  assert.throws(() => client.writeMessage1(new Uint8Array(0)), /out of order/);
  const egress = new NkResponder(keys, PROLOGUE);
  assert.throws(() => egress.writeMessage2(new Uint8Array(0)), /out of order/);
  assert.throws(() => new NkInitiator(new Uint8Array(31), PROLOGUE), RangeError);
  assert.throws(() => new NkResponder({ ...keys, privateKey: new Uint8Array(33) }, PROLOGUE), RangeError);
});

test('seal/open round trip; altered ciphertext, tag, ad, nonce or key gives null', () => {
  const key = generateKeyPair().privateKey;
  const nonce = Buffer.from('000000010000000000000007', 'hex');
  const ad = Buffer.from('0110000000010000000000', 'hex');
  const plaintext = Buffer.alloc(16_000);
  for (let i = 0; i < plaintext.length; i++) plaintext[i] = i & 0xff;
  const sealed = seal(key, nonce, ad, plaintext);
  assert.equal(sealed.length, plaintext.length + 16);
  assert.deepEqual(open(key, nonce, ad, sealed), plaintext);

  for (const index of [0, 8_000, plaintext.length - 1])
    assert.equal(open(key, nonce, ad, flipBit(sealed, index * 8)), null);
  for (let bit = plaintext.length * 8; bit < sealed.length * 8; bit += 13) {
    assert.equal(open(key, nonce, ad, flipBit(sealed, bit)), null, `tag bit ${bit}`);
  }
  assert.equal(open(key, nonce, flipBit(ad, 3), sealed), null);
  assert.equal(open(key, nonce, ad.subarray(1), sealed), null);
  assert.equal(open(key, flipBit(nonce, 95), ad, sealed), null);
  assert.equal(open(flipBit(key, 0), nonce, ad, sealed), null);
  assert.equal(open(key, nonce, ad, sealed.subarray(0, sealed.length - 1)), null);
  assert.equal(open(key, nonce, ad, sealed.subarray(0, 15)), null);

  const tagOnly = seal(key, nonce, ad, new Uint8Array(0));
  assert.equal(tagOnly.length, 16);
  assert.equal(open(key, nonce, ad, tagOnly)?.length, 0);
  assert.throws(() => seal(key.subarray(1), nonce, ad, plaintext), RangeError);
  assert.throws(() => open(key, nonce.subarray(1), ad, sealed), RangeError);
});

test('encodeKey/decodeKey round trip; decodeKey rejects anything but 32 bytes of base64url', () => {
  const key = generateKeyPair().publicKey;
  const text = encodeKey(key);
  assert.match(text, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(decodeKey(text), key);
  assert.equal(toHex(decodeKey(encodeKey(new Uint8Array(32).fill(0xff)))), 'ff'.repeat(32));

  // The last character of 32 bytes carries 4 data bits and 2 bits that must be zero; set one of those.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const nonCanonical = text.slice(0, 42) + alphabet.charAt(alphabet.indexOf(text.at(-1) ?? 'A') | 1);
  const bad = [
    '',
    text.slice(0, 42),
    `${text}A`,
    `${text}=`,
    ` ${text.slice(1)}`,
    `${text.slice(0, 10)}+${text.slice(11)}`,
    `${text.slice(0, 10)}/${text.slice(11)}`,
    Buffer.from(key).toString('hex'),
    Buffer.from(key).toString('base64'),
    encodeKey(new Uint8Array(32)).slice(0, 40),
    nonCanonical,
  ];
  for (const input of bad) assert.throws(() => decodeKey(input), /invalid key/, JSON.stringify(input));
  assert.throws(() => decodeKey(42 as unknown as string), /invalid key/);
  assert.throws(() => encodeKey(new Uint8Array(31)), RangeError);
});
