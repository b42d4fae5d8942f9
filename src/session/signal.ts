/**
 * session-v1 §4.4: SIGNAL and SIGNAL_REPLY, one rendezvous exchange (signaling-v1 §12) carried through the
 * session to the egress, which posts it to its own broker. The routes are a closed list, so an egress
 * forwards signaling to its broker and nothing else to anyone.
 */

/** session-v1 §4.4: the routes a SIGNAL may name, by number. */
export const SIGNAL_ROUTES = {
  1: { path: 'v1/info', method: 'GET', type: undefined },
  2: { path: 'v1/client/offer', method: 'POST', type: 'application/json' },
  3: { path: 'v1/client/outcome', method: 'POST', type: 'application/json' },
  4: { path: 'v1/sealed', method: 'POST', type: 'application/octet-stream' },
} as const;

export type SignalRoute = keyof typeof SIGNAL_ROUTES;

/** The route number of `path` (`v1/client/offer`), or undefined when it may not go through the tunnel. */
export function signalRoute(path: string, hasBody: boolean): SignalRoute | undefined {
  for (const [n, r] of Object.entries(SIGNAL_ROUTES)) {
    if (r.path === path && (r.method === 'POST') === hasBody) return Number(n) as SignalRoute;
  }
  return undefined;
}

/** session-v1 §4.4: the largest SIGNAL body and SIGNAL_REPLY body, bytes (a sealed 8192 fits; 65536 does not). */
export const MAX_SIGNAL_BYTES = 16_384;
/** session-v1 §4.4: SIGNALs a client may have unanswered in one session, at most. */
export const MAX_SIGNALS_IN_FLIGHT = 4;
/** session-v1 §4.4: the status of a SIGNAL_REPLY that the egress answered itself (the body says why). */
export const SIGNAL_NOT_FORWARDED = 0;

/** What came back for one SIGNAL. */
export interface SignalReply {
  /** The broker's HTTP status, or SIGNAL_NOT_FORWARDED. */
  status: number;
  /** The broker's Retry-After, ms (0: none). */
  retryAfterMs: number;
  body: Uint8Array;
}

/** Egress: one SIGNAL to forward; `reply` answers it, once (later calls are ignored). */
export interface SignalRequest {
  route: SignalRoute;
  body: Uint8Array;
  reply(reply: SignalReply): void;
}

/** Thrown by Session.signal when no reply can come (the session closed, or too many in flight). */
export class SignalUnavailable extends Error {
  override readonly name = 'SignalUnavailable';
}
