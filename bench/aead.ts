/**
 * Micro-benchmark of the record AEAD (session-v1 §3): seal + open of 16000-byte records.
 * Run: node --import tsx bench/aead.ts [seconds per measurement, default 1]
 */
import { randomBytes } from 'node:crypto';
import { open, seal } from '../src/session/aead.js';

const RECORD_BYTES = 16_000;
const seconds = Number(process.argv[2] ?? 1);
const key = randomBytes(32);
const ad = randomBytes(10);
const plaintext = randomBytes(RECORD_BYTES);

function nonceFor(seq: number): Uint8Array {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(seq >>> 0, 8);
  return nonce;
}

/** Runs `step` for about `seconds`; returns MB/s (10^6 bytes) of record payload. */
function measure(step: (seq: number) => void): number {
  for (let seq = 0; seq < 200; seq++) step(seq);
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let count = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 64; i++) step(count++);
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  return (count * RECORD_BYTES) / elapsed / 1e6;
}

const sealedByNonce = seal(key, nonceFor(0), ad, plaintext);
const sealOnly = measure((seq) => seal(key, nonceFor(seq), ad, plaintext));
const openOnly = measure(() => {
  if (open(key, nonceFor(0), ad, sealedByNonce) === null) throw new Error('open failed');
});
const both = measure((seq) => {
  const nonce = nonceFor(seq);
  if (open(key, nonce, ad, seal(key, nonce, ad, plaintext)) === null) throw new Error('open failed');
});

const format = (value: number): string => value.toFixed(0).padStart(6);
console.log(`record AEAD, ${RECORD_BYTES}-byte records, node ${process.version}`);
console.log(`  seal         ${format(sealOnly)} MB/s`);
console.log(`  open         ${format(openOnly)} MB/s`);
console.log(`  seal+open    ${format(both)} MB/s  (each record sealed and then opened)`);
