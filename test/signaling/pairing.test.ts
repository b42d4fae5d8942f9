import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import {
  newPairingCode,
  PAIRING_TAG_LABEL,
  PAIRING_TAG_RE,
  PairingCodeError,
  pairingTag,
  parsePairingCode,
} from '../../src/signaling/pairing.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/;

test('a new code is 7 groups of 4 Crockford base32 symbols, reads back as itself, and is new each time', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const code = newPairingCode();
    assert.match(code, FORMAT);
    assert.equal(parsePairingCode(code), code);
    seen.add(code);
  }
  assert.equal(seen.size, 200);
});

test('reading forgives case, spacing, dashes, O for 0 and I or L for 1', () => {
  let code = newPairingCode();
  while (!/[01]/.test(code)) code = newPairingCode();
  const typed = code
    .toLowerCase()
    .replace(/-/g, ' ')
    .replace(/0/g, 'o')
    .replace(/1/g, (_, i: number) => (i % 2 === 0 ? 'l' : 'I'));
  assert.equal(parsePairingCode(`  ${typed} `), code);
  assert.equal(parsePairingCode(code.replace(/-/g, '')), code);
});

test('every single mistyped symbol and every swap of neighbours is caught with a clear error', () => {
  const code = newPairingCode();
  const compact = code.replace(/-/g, '');
  for (let i = 0; i < compact.length; i++) {
    for (const ch of ALPHABET) {
      if (ch === compact[i]) continue;
      const typo = compact.slice(0, i) + ch + compact.slice(i + 1);
      assert.throws(() => parsePairingCode(typo), PairingCodeError, `symbol ${i} as ${ch}`);
    }
    const j = i + 1;
    if (j < compact.length && compact[i] !== compact[j]) {
      const swapped = compact.slice(0, i) + compact[j] + compact[i] + compact.slice(j + 1);
      assert.throws(() => parsePairingCode(swapped), /mistyped/, `swap of ${i} and ${j}`);
    }
  }
  assert.throws(() => parsePairingCode(`${code}-7`), /28 letters and digits.*this one 29/);
  assert.throws(() => parsePairingCode(code.slice(0, -1)), /this one 27/);
  assert.throws(() => parsePairingCode(`U${compact.slice(1)}`), /no "U"/);
  assert.throws(() => parsePairingCode(''), PairingCodeError);
});

test('the tag is HMAC-SHA256 of the label keyed with the data symbols: WebCrypto agrees with node:crypto', async () => {
  const code = newPairingCode();
  const data = code.replace(/-/g, '').slice(0, 26);
  const expected = createHmac('sha256', data).update(PAIRING_TAG_LABEL).digest('base64url');
  const tag = await pairingTag(code);
  assert.equal(tag, expected);
  assert.match(tag, PAIRING_TAG_RE);
  assert.equal(await pairingTag(code.toLowerCase().replace(/-/g, ' ')), tag, 'any typed form, one tag');
  assert.notEqual(await pairingTag(newPairingCode()), tag);
  await assert.rejects(pairingTag('not a code'), PairingCodeError);
});

test('a fixed code gives a fixed tag (the value browsers and Node must agree on)', async () => {
  // Data symbols 0..25 in order, then their check: sum((i+1)*i) = 5850, mod 1021 = 745 = 23*32 + 9: "Q9".
  const code = '0123-4567-89AB-CDEF-GHJK-MNPQ-RSQ9';
  assert.equal(parsePairingCode(code), code);
  assert.equal(await pairingTag(code), 'jiRBV5Tx5ESa0LHm7PYbXSNk1htYEeZKPmdYTmm2Xas');
});
