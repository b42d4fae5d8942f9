/**
 * The widget's settings, read from its `data-*` attributes (docs/widget.md lists each with its default).
 * Appearance settings never fail; relay settings that cannot work become a `problem` the widget shows.
 */
import { VOLUNTEER_DEFAULTS, VOLUNTEER_MAX_CLIENTS } from '../shared/limits.js';
import { PairingCodeError, parsePairingCode } from '../signaling/pairing.js';
import type { VolunteerOptions } from '../volunteer/options.js';
import { NO_SITE_STRINGS, parseSiteStrings, type SiteStrings } from './i18n.js';

export const LAYOUTS = ['panel', 'banner', 'floating'] as const;
export type Layout = (typeof LAYOUTS)[number];
export const THEMES = ['auto', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

/** Every attribute the widget reads; all apply live. */
export const ATTRIBUTES = [
  'data-broker',
  'data-broker-key',
  'data-egress',
  'data-stun',
  'data-layout',
  'data-theme',
  'data-lang',
  'data-max-clients',
  'data-max-rate',
  'data-pairing',
  'data-max-rate-per-client',
  'data-max-total',
  'data-pause-hidden',
  'data-pause-battery',
  'data-strings',
] as const;

export interface RelaySettings {
  options: VolunteerOptions;
  /** STUN/TURN URLs for the peer connections; none by default (nothing contacts a third party). */
  iceServers: string[];
}

export interface Settings {
  layout: Layout;
  theme: Theme;
  /** `data-lang` as given, or null. */
  lang: string | null;
  /** The site's own words (`data-strings`), and what in them could not be used. */
  strings: SiteStrings;
  stringProblems: string[];
  /** A key that changes whenever the relay must be rebuilt. */
  relayKey: string;
  relay: RelaySettings | { problem: string };
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  const lower = value?.trim().toLowerCase();
  return allowed.find((a) => a === lower) ?? fallback;
}

function words(value: string | null): string[] {
  return (value ?? '').split(/\s+/).filter((w) => w !== '');
}

/** An integer attribute; absent is the default, anything unusable is a problem naming the attribute. */
function integer(el: Element, name: string, min: number, max: number, fallback: number): number | string {
  const text = el.getAttribute(name);
  if (text === null || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    return `${name} must be a whole number from ${min} to ${max}, not "${text}"`;
  return n;
}

/** Presence means yes, except the values "false", "0" and "no". */
function flag(el: Element, name: string): boolean {
  const value = el.getAttribute(name);
  return value !== null && !['false', '0', 'no'].includes(value.trim().toLowerCase());
}

function relaySettings(el: Element): RelaySettings | { problem: string } {
  const broker = el.getAttribute('data-broker')?.trim() ?? '';
  if (broker === '') return { problem: 'data-broker is missing' };
  try {
    const url = new URL(broker);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('not http(s)');
  } catch {
    return { problem: `data-broker must be an http(s) URL, not "${broker}"` };
  }
  const maxClients = integer(el, 'data-max-clients', 1, VOLUNTEER_MAX_CLIENTS, VOLUNTEER_DEFAULTS.maxClients);
  if (typeof maxClients === 'string') return { problem: maxClients };
  const maxBytesPerSec = integer(el, 'data-max-rate', 0, Number.MAX_SAFE_INTEGER, 0);
  if (typeof maxBytesPerSec === 'string') return { problem: maxBytesPerSec };
  const maxBytesPerSecPerClient = integer(el, 'data-max-rate-per-client', 0, Number.MAX_SAFE_INTEGER, 0);
  if (typeof maxBytesPerSecPerClient === 'string') return { problem: maxBytesPerSecPerClient };
  const maxTotalBytes = integer(el, 'data-max-total', 0, Number.MAX_SAFE_INTEGER, 0);
  if (typeof maxTotalBytes === 'string') return { problem: maxTotalBytes };
  // path-v1 §1: the page names the egresses its readers relay to; the broker's list is never adopted.
  const allow = words(el.getAttribute('data-egress'));
  if (allow.length === 0) return { problem: 'data-egress is missing' };
  const pairing = pairingCode(el.getAttribute('data-pairing'));
  if (typeof pairing === 'object') return pairing;
  // signaling-v1 §9: pinned by the page, so a front between reader and broker cannot swap it.
  const brokerKey = el.getAttribute('data-broker-key')?.trim() ?? '';
  if (brokerKey !== '' && !/^[A-Za-z0-9_-]{43}$/.test(brokerKey))
    return { problem: 'data-broker-key must be 43 characters of base64url, as the broker prints it' };
  if (brokerKey !== '' && globalThis.crypto?.subtle === undefined)
    return { problem: 'data-broker-key needs an https: page (WebCrypto seals the signaling)' };
  return {
    options: {
      broker,
      brokerKey: brokerKey === '' ? 'info' : brokerKey,
      allow,
      maxClients,
      maxBytesPerSec,
      maxBytesPerSecPerClient,
      maxTotalBytes,
      pauseWhenHidden: flag(el, 'data-pause-hidden'),
      pauseOnBattery: flag(el, 'data-pause-battery'),
      ...(pairing === '' ? {} : { pairing }),
    },
    iceServers: words(el.getAttribute('data-stun')),
  };
}

/** signaling-v1 §8: `data-pairing`, the canonical code, '' when unset, or the problem with it. */
function pairingCode(value: string | null): string | { problem: string } {
  if (value === null || value.trim() === '') return '';
  if (globalThis.crypto?.subtle === undefined)
    return { problem: 'data-pairing needs an https: page (WebCrypto derives the pairing tag)' };
  try {
    return parsePairingCode(value);
  } catch (error) {
    if (error instanceof PairingCodeError) return { problem: `data-pairing: ${error.message}` };
    throw error;
  }
}

export function readSettings(el: Element): Settings {
  const relay = relaySettings(el);
  const text = el.getAttribute('data-strings');
  const site = text === null ? { strings: NO_SITE_STRINGS, problems: [] } : parseSiteStrings(text);
  return {
    strings: site.strings,
    stringProblems: site.problems,
    layout: oneOf(el.getAttribute('data-layout'), LAYOUTS, 'panel'),
    theme: oneOf(el.getAttribute('data-theme'), THEMES, 'auto'),
    lang: el.getAttribute('data-lang'),
    relayKey: JSON.stringify(relay),
    relay,
  };
}
