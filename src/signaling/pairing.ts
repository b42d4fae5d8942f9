/**
 * Pairing codes and pairing tags (signaling-v1 §8). Web-standard APIs only (crypto.getRandomValues,
 * crypto.subtle), so the widget, the extension and Node derive the same tag from the same code.
 *
 * A code is 26 Crockford base32 symbols of randomness (130 bits) and 2 check symbols, shown as 7 groups of
 * 4: `7KQ2-M9XD-...`. Reading is forgiving (any case, spaces or dashes anywhere, O for 0, I and L for 1) and
 * strict about the rest: a wrong character or a wrong check is a PairingCodeError saying so. The check is
 * sum((i + 1) * symbol_i) mod 1021 over the 26 data symbols, so every single wrong symbol and every swap of
 * two neighbours is caught (1021 is prime and larger than 31 * 26), and other typos slip by once in 1021.
 *
 * The tag is what client and volunteer send the broker instead of the code: HMAC-SHA256 keyed with the
 * code's 26 data symbols over a fixed label, base64url (43 characters). The broker keeps only its own keyed
 * hash of the tag (src/broker/keys.ts); docs/security.md says why.
 */

/** Crockford's base32 alphabet: no I, L, O, U. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DATA_SYMBOLS = 26;
const CHECK_SYMBOLS = 2;
const CHECK_MODULUS = 1021;
const GROUP = 4;

/** signaling-v1 §8: the label every tag is made over; changing it changes every tag. */
export const PAIRING_TAG_LABEL = 'starling signaling-v1 pairing tag';

/** signaling-v1 §1: a pairing tag, 32 bytes base64url without padding. */
export const PAIRING_TAG_RE = /^[A-Za-z0-9_-]{43}$/;

/** A code that cannot be read: the message says which character, or that the check failed. */
export class PairingCodeError extends Error {
  override readonly name = 'PairingCodeError';
}

function checkOf(data: readonly number[]): number {
  let sum = 0;
  for (const [i, v] of data.entries()) sum += (i + 1) * v;
  return sum % CHECK_MODULUS;
}

function format(symbols: readonly number[]): string {
  const text = symbols.map((v) => ALPHABET[v]).join('');
  const groups: string[] = [];
  for (let i = 0; i < text.length; i += GROUP) groups.push(text.slice(i, i + GROUP));
  return groups.join('-');
}

/** A new pairing code: 130 random bits and the check, in groups of four. */
export function newPairingCode(): string {
  const random = crypto.getRandomValues(new Uint8Array(DATA_SYMBOLS));
  const data = [...random].map((b) => b & 31);
  const check = checkOf(data);
  return format([...data, check >> 5, check & 31]);
}

/**
 * Reads a code as a person typed it; returns it in its canonical form (upper case, groups of four). Throws
 * PairingCodeError naming what is wrong.
 */
export function parsePairingCode(typed: string): string {
  const compact = typed.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  const symbols: number[] = [];
  for (const ch of compact) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new PairingCodeError(`a pairing code has no "${ch}": check for a typo`);
    symbols.push(v);
  }
  const want = DATA_SYMBOLS + CHECK_SYMBOLS;
  if (symbols.length !== want) {
    throw new PairingCodeError(
      `a pairing code has ${want} letters and digits (7 groups of 4), this one ${symbols.length}`,
    );
  }
  const data = symbols.slice(0, DATA_SYMBOLS);
  const check = symbols[DATA_SYMBOLS]! * 32 + symbols[DATA_SYMBOLS + 1]!;
  if (check !== checkOf(data)) {
    throw new PairingCodeError('this pairing code does not check out: a letter or digit is mistyped');
  }
  return format(symbols);
}

/**
 * signaling-v1 §8: the pairing tag of a code (any form parsePairingCode reads). Needs WebCrypto: every
 * Node 20 has it, browsers only on https: pages (and http://localhost), else this rejects.
 */
export async function pairingTag(code: string): Promise<string> {
  const data = parsePairingCode(code).replace(/-/g, '').slice(0, DATA_SYMBOLS);
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new Error('pairing needs WebCrypto, which this page lacks (not https:)');
  const encoder = new TextEncoder();
  const key = await subtle.importKey('raw', encoder.encode(data), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(await subtle.sign('HMAC', key, encoder.encode(PAIRING_TAG_LABEL)));
  return btoa(String.fromCharCode(...mac))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}
