import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HpkeOpenError,
  importPrivateKey,
  publicOf,
  setupReceiver,
  setupSender,
} from '../../src/signaling/hpke.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base.
const A1 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  skEm: '52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736',
  pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  skRm: '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  key: '4531685d41d65f03dc48f6b8302c05b0',
  baseNonce: '56d890e5accaaf011cff4b7d',
  exporterSecret: '45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8',
  aad0: '436f756e742d30',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  ct0: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
  exports: [
    ['', '3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee'],
    ['00', '2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5'],
    ['54657374436f6e74657874', 'e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931'],
  ],
};

async function recipient() {
  const privateKey = await importPrivateKey(hex(A1.skRm));
  return { privateKey, publicKey: await publicOf(privateKey) };
}

test('RFC 9180 A.1.1: the sender reproduces enc, key schedule and first ciphertext', async () => {
  const r = await recipient();
  assert.equal(toHex(r.publicKey), A1.pkRm);
  const { enc, context } = await setupSender(hex(A1.pkRm), hex(A1.info), hex(A1.skEm));
  assert.equal(toHex(enc), A1.pkEm);
  const s = context.secretsForTest;
  assert.equal(toHex(s.key), A1.key);
  assert.equal(toHex(s.baseNonce), A1.baseNonce);
  assert.equal(toHex(s.exporterSecret), A1.exporterSecret);
  assert.equal(toHex(await context.seal(hex(A1.aad0), hex(A1.pt))), A1.ct0);
});

test('RFC 9180 A.1.1: the receiver opens the first ciphertext and exports the same secrets', async () => {
  const context = await setupReceiver(hex(A1.pkEm), await recipient(), hex(A1.info));
  assert.equal(toHex(await context.open(hex(A1.aad0), hex(A1.ct0))), A1.pt);
  for (const [ctx, want] of A1.exports) assert.equal(toHex(await context.export(hex(ctx!), 32)), want);
});

test('a flipped bit, another aad or another info fails to open, with HpkeOpenError', async () => {
  const r = await recipient();
  const ct = hex(A1.ct0);
  ct[3] = (ct[3] ?? 0) ^ 1;
  const context = await setupReceiver(hex(A1.pkEm), r, hex(A1.info));
  await assert.rejects(context.open(hex(A1.aad0), ct), HpkeOpenError);
  await assert.rejects(context.open(hex('00'), hex(A1.ct0)), HpkeOpenError);
  const other = await setupReceiver(hex(A1.pkEm), r, hex('00'));
  await assert.rejects(other.open(hex(A1.aad0), hex(A1.ct0)), HpkeOpenError);
});

test('a low-order or malformed ephemeral key is refused, not a crash', async () => {
  const r = await recipient();
  for (const bad of [new Uint8Array(32), hex('01'.padEnd(64, '0')), new Uint8Array(31)]) {
    await assert.rejects(setupReceiver(bad, r, hex(A1.info)), HpkeOpenError);
  }
});

test('fresh ephemeral keys round-trip and differ every time', async () => {
  const r = await recipient();
  const a = await setupSender(r.publicKey, hex(A1.info));
  const b = await setupSender(r.publicKey, hex(A1.info));
  assert.notEqual(toHex(a.enc), toHex(b.enc));
  const sealed = await a.context.seal(new Uint8Array(0), hex('cafe'));
  const opened = await (await setupReceiver(a.enc, r, hex(A1.info))).open(new Uint8Array(0), sealed);
  assert.equal(toHex(opened), 'cafe');
});
