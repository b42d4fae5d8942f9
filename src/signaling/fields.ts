/**
 * Field readers for signaling bodies (signaling-v1 §1, "Field formats"). Each reader either returns the
 * value in its canonical form or throws `SignalingError('bad-request')` naming the field.
 */
import { SignalingError } from './errors.js';
import { PAIRING_TAG_RE } from './pairing.js';

/** Protocol constants from signaling-v1 §1; not options, since both ends must agree on them. */
export const SIGNALING_LIMITS = {
  minIdChars: 8,
  maxIdChars: 64,
  maxUrlChars: 2048,
  maxSdpChars: 32_768,
  maxAllowList: 16,
  maxExclude: 16,
  maxIceServers: 8,
} as const;

/**
 * signaling-v1 §1, §7: `nat`, what a peer's NAT does to its mappings: `public` (no NAT, or one that maps and
 * filters nothing), `cone` (one mapping for every destination), `symmetric` (a new mapping per destination),
 * `unknown` (not measured, or no STUN server answered).
 */
export type NatClass = 'unknown' | 'public' | 'cone' | 'symmetric';

/** Every NatClass, most open first. */
export const NAT_CLASSES: readonly NatClass[] = ['public', 'cone', 'unknown', 'symmetric'];

/** signaling-v1 §1: a NatClass; the names of earlier drafts read as the class they meant, others as unknown. */
export function natFromString(value: string): NatClass {
  if (value === 'public' || value === 'cone' || value === 'symmetric') return value;
  if (value === 'unrestricted') return 'public';
  if (value === 'restricted') return 'symmetric';
  return 'unknown';
}

const ID_RE = /^[A-Za-z0-9_-]{8,64}$/;

/** signaling-v1 §1: the format of volunteer ids and offer ids, 8 to 64 characters of `[A-Za-z0-9_-]`. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_RE.test(value);
}

/** signaling-v1 §1: an unguessable id, 128 random bits as base64url (22 characters). Web-standard only. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

export type Fields = Record<string, unknown>;

function bad(message: string): SignalingError {
  return new SignalingError('bad-request', message);
}

/** signaling-v1 §1: a body is a JSON object whose `v` is checked before any other field. */
export function readVersioned(body: unknown): Fields {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('body must be a JSON object');
  const fields = body as Fields;
  if (!('v' in fields)) throw bad('missing version "v"');
  if (fields.v !== 1) throw bad('unsupported version; this broker speaks v 1');
  return fields;
}

export function readObject(fields: Fields, name: string): Fields {
  const value = fields[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad(`"${name}" must be an object`);
  return value as Fields;
}

/** signaling-v1 §1: volunteer ids, tickets and offer ids share one format. */
export function readId(fields: Fields, name: string): string {
  const value = fields[name];
  if (!isId(value)) {
    throw bad(`"${name}" must be 8 to 64 characters of [A-Za-z0-9_-]`);
  }
  return value;
}

/** signaling-v1 §1: unknown strings are read as "unknown" (natFromString); a non-string is malformed. */
export function readNat(fields: Fields, name: string): NatClass {
  const value = fields[name];
  if (typeof value !== 'string') throw bad(`"${name}" must be a string`);
  return natFromString(value);
}

/**
 * A finite number of milliseconds, rounded, at least 0. No upper clamp here: the reader decides how long it
 * is willing to wait (BrokerClient clamps every retry hint to its maxRetryAfterMs).
 */
export function readMs(fields: Fields, name: string): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(`"${name}" must be a number`);
  return Math.max(0, Math.round(value));
}

export function readSdp(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length < 1 || value.length > SIGNALING_LIMITS.maxSdpChars) {
    throw bad(`"${name}" must be a string of 1 to ${SIGNALING_LIMITS.maxSdpChars} characters`);
  }
  return value;
}

/**
 * signaling-v1 §1: a `ws:`/`wss:` URL of at most 2 048 characters, without credentials or fragment (a
 * WebSocket refuses fragments). Returned normalized (WHATWG `href`), the form every comparison uses.
 */
export function parseEgressUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > SIGNALING_LIMITS.maxUrlChars) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return undefined;
  if (url.username !== '' || url.password !== '' || url.hash !== '' || value.includes('#')) return undefined;
  return url.href.length > SIGNALING_LIMITS.maxUrlChars ? undefined : url.href;
}

export function readEgress(fields: Fields, name: string): string {
  const url = parseEgressUrl(fields[name]);
  if (url === undefined) throw bad(`"${name}" must be a ws: or wss: URL of at most 2048 characters`);
  return url;
}

/**
 * signaling-v1 §1, §3, §4: an egress list (the broker's, or a volunteer's allow-list): at most
 * `maxAllowList` entries, each a `ws:`/`wss:` URL returned normalized, duplicates dropped, order kept. The
 * one normalizer for every egress list. Throws a RangeError when there are too many entries (counted before
 * any is parsed), a TypeError naming the first bad one. An empty list stays empty: callers that need an
 * entry check that themselves.
 */
export function normalizeEgressUrls(urls: readonly unknown[]): string[] {
  const max = SIGNALING_LIMITS.maxAllowList;
  if (urls.length > max) throw new RangeError(`at most ${max} egress URLs are allowed, not ${urls.length}`);
  const out = new Set<string>();
  for (const url of urls) {
    const normalized = parseEgressUrl(url);
    if (normalized === undefined) {
      const shown =
        typeof url === 'string' ? `egress ${JSON.stringify(url.slice(0, 100))}` : `a ${typeof url}`;
      throw new TypeError(
        `${shown} is not a ws: or wss: URL of at most ${SIGNALING_LIMITS.maxUrlChars} characters without user info or fragment`,
      );
    }
    out.add(normalized);
  }
  return [...out];
}

/** signaling-v1 §3, §4: a list of 1 to `maxAllowList` egress URLs (normalizeEgressUrls). */
export function readEgressList(fields: Fields, name: string): string[] {
  const value = fields[name];
  if (!Array.isArray(value) || value.length < 1) {
    throw bad(`"${name}" must be a list of 1 to ${SIGNALING_LIMITS.maxAllowList} URLs`);
  }
  try {
    return normalizeEgressUrls(value);
  } catch (err) {
    throw bad(`"${name}": ${(err as Error).message}`);
  }
}

/** signaling-v1 §6: `exclude`, an optional list of at most 16 volunteer ids. */
export function readIdList(fields: Fields, name: string, max: number): string[] {
  const value = fields[name];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > max)
    throw bad(`"${name}" must be a list of at most ${max} ids`);
  for (const item of value) {
    if (!isId(item)) throw bad(`"${name}" entries must be volunteer ids`);
  }
  return value as string[];
}

/** signaling-v1 §8: `pairing`, an optional pairing tag (43 characters of base64url); undefined when absent. */
export function readPairingTag(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !PAIRING_TAG_RE.test(value))
    throw bad(`"${name}" must be a pairing tag: 43 characters of [A-Za-z0-9_-]`);
  return value;
}

/** An optional boolean that only `true` sets (signaling-v1 §8 `paired`); anything else reads as false. */
export function readTrue(fields: Fields, name: string): boolean {
  return fields[name] === true;
}
