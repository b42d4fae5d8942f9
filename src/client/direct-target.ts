/**
 * What the direct path (path-v1 §6) is told, checked without opening anything: its mode, the egress's URL and
 * an optional front. No `ws` here, so the CLI checks its flags without loading the WebSocket client.
 */

/** never: off; fallback: only while no volunteer path has been up for wsFallbackAfterMs; always: kept up. */
export type DirectPathMode = 'never' | 'fallback' | 'always';
export const DIRECT_PATH_MODES: readonly DirectPathMode[] = ['never', 'fallback', 'always'];

/** The name a direct path goes by where a volunteer's would (events, log lines). */
export const DIRECT_PATH_NAME = 'direct';

export interface DirectPathOptions {
  mode: DirectPathMode;
  /** The egress's WebSocket URL (ws: or wss:), with its `--path`: the Host header and the path sent. */
  url: string;
  /**
   * `host` or `host:port` (IPv6 in brackets) to connect to instead of the URL's host: TLS to it with SNI =
   * its host, the URL's host in the Host header (domain fronting). @default none: the URL's host
   */
  front?: string;
  /** CA certificates (PEM) trusted for the TLS connection instead of the system's. @default the system's */
  ca?: string;
}

/** Where a direct path connects and what it says, checked: throws a TypeError for a bad URL or front. */
export function directTarget(o: Pick<DirectPathOptions, 'url' | 'front'>): { connect: string; host: string } {
  const url = new URL(o.url);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new TypeError(`the direct path's URL must be ws: or wss:, not ${url.protocol}`);
  if (url.hash !== '' || url.username !== '' || url.password !== '')
    throw new TypeError("the direct path's URL has no fragment and no user name");
  if (o.front === undefined) return { connect: url.href, host: url.host };
  const bad = () =>
    new TypeError(`the front must be host or host:port, not ${JSON.stringify(o.front?.slice(0, 80))}`);
  let front: URL;
  try {
    front = new URL(`${url.protocol}//${o.front}`);
  } catch {
    throw bad();
  }
  const plain = front.pathname === '/' && front.search === '' && front.hash === '' && front.username === '';
  if (front.hostname === '' || !plain || /[/?#@]/.test(o.front)) throw bad();
  return { connect: `${url.protocol}//${front.host}${url.pathname}${url.search}`, host: url.host };
}
