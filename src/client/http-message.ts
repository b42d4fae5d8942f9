/**
 * Pieces of HTTP/1.1 proxying (RFC 9110, RFC 9112) that need no sockets: request targets and hop-by-hop
 * header removal.
 */

import { isIP } from 'node:net';
import { hostProblem, portProblem } from './destination.js';

/** A destination; `host` is a name, dotted IPv4, or IPv6 without brackets (session-v1 §4, OPEN). */
export type Target = { host: string; port: number };

/** The result of reading a request target: a destination, or a reason to answer 400. */
export type TargetResult<T> = ({ ok: true } & T) | { ok: false; why: string };

/** Header fields that describe one connection, never forwarded (RFC 9110 §7.6.1, plus Proxy-Connection). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** `host:port` or `[ipv6]:port` (the authority-form of CONNECT, RFC 9112 §3.2.3). */
export function parseAuthority(authority: string): TargetResult<Target> {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/.exec(authority);
  if (!match) return { ok: false, why: 'expected host:port' };
  return checked((match[1] ?? match[2]!).toLowerCase(), Number(match[3]), match[1] !== undefined);
}

/** A target whose host and port pass src/client/destination.ts, or why not (a 400). */
function checked(host: string, port: number, bracketed: boolean): TargetResult<Target> {
  if (bracketed && isIP(host) !== 6) return { ok: false, why: 'bad IPv6 address in brackets' };
  const why = hostProblem(host) ?? portProblem(port);
  return why === undefined ? { ok: true, host, port } : { ok: false, why };
}

/**
 * An absolute-form target `http://host[:port]/path?query` (RFC 9112 §3.2.2). The path is kept byte for
 * byte (not normalized); a fragment is dropped. `hostHeader` is the authority as sent, for a missing Host.
 */
export function parseAbsoluteTarget(
  url: string,
): TargetResult<Target & { path: string; hostHeader: string }> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme) return { ok: false, why: 'a proxy request needs an absolute URI (http://host/path)' };
  if (scheme[1]!.toLowerCase() !== 'http') {
    return { ok: false, why: `scheme ${scheme[1]} is not proxied; use CONNECT for https` };
  }
  const rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  let path = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);
  if (!path.startsWith('/')) path = `/${path}`;
  if (authority.includes('@')) return { ok: false, why: 'user information in the URI is not supported' };
  let parsed: URL;
  try {
    parsed = new URL(`http://${authority}`);
  } catch {
    return { ok: false, why: 'bad host in the URI' };
  }
  if (parsed.hostname === '') return { ok: false, why: 'no host in the URI' };
  const bracketed = parsed.hostname.startsWith('[');
  const host = bracketed ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const target = checked(host, parsed.port === '' ? 80 : Number(parsed.port), bracketed);
  return target.ok ? { ...target, path, hostHeader: authority } : target;
}

/**
 * Copies raw headers ([name, value, name, value, ...]) without hop-by-hop fields: the fixed list above and
 * every field named in Connection or Proxy-Connection (RFC 9110 §7.6.1).
 */
export function stripHopByHop(raw: readonly string[]): string[] {
  const drop = new Set(HOP_BY_HOP);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name !== 'connection' && name !== 'proxy-connection') continue;
    for (const token of raw[i + 1]!.split(',')) {
      const listed = token.trim().toLowerCase();
      if (listed !== '') drop.add(listed);
    }
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (!drop.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}

/** Whether raw headers contain a field `name` (lower case). */
export function hasHeader(raw: readonly string[], name: string): boolean {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return true;
  return false;
}

/** Raw headers without any field `name` (lower case). */
export function withoutHeader(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (raw[i]!.toLowerCase() !== name) out.push(raw[i]!, raw[i + 1]!);
  return out;
}
