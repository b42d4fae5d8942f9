/**
 * The rendezvous method `tunnel` (signaling-v1 §12): while the client has a session with a live path, its
 * requests to the broker go inside that session as SIGNAL frames (session-v1 §4.4), and the egress posts them
 * to its broker. A censor watching the way to the broker then sees the one exchange that made the session,
 * not one per volunteer. Sealed bodies (signaling-v1 §10) stay sealed, so the egress reads no SDP either.
 *
 * When there is no such session, or the egress does not forward (it has no broker, the broker failed, the
 * request is too large), the exchange fails `unreachable` and the other methods are tried. An egress that
 * says it has no broker is not asked again in that session.
 */
import type { Session } from '../session/session.js';
import { SIGNAL_NOT_FORWARDED, SignalUnavailable, signalRoute } from '../session/signal.js';
import { SignalingError } from '../signaling/errors.js';
import type { RendezvousAnswer, RendezvousMethod } from '../signaling/rendezvous.js';

export const TUNNEL_RENDEZVOUS = 'tunnel';

/** `session()` is the client's current session, if any. */
export function tunnelRendezvous(
  session: () => Session | undefined,
): RendezvousMethod & { ready(): boolean } {
  /** Sessions whose egress has no broker. */
  const noBroker = new WeakSet<Session>();
  const live = (): Session | undefined => {
    const s = session();
    return s !== undefined && !s.closed && s.pathCount > 0 && !noBroker.has(s) ? s : undefined;
  };
  return {
    name: TUNNEL_RENDEZVOUS,
    ready: () => live() !== undefined,
    exchange: async (request, signal): Promise<RendezvousAnswer> => {
      const s = live();
      if (s === undefined) throw new SignalingError('unreachable', 'no session with a live path');
      const route = signalRoute(request.path, request.body !== null);
      if (route === undefined)
        throw new SignalingError('unreachable', `${request.path} does not go by the tunnel`);
      let reply: Awaited<ReturnType<Session['signal']>>;
      try {
        reply = await s.signal(route, request.body ?? new Uint8Array(0), signal);
      } catch (err) {
        if (err instanceof SignalUnavailable) throw new SignalingError('unreachable', err.message);
        throw err;
      }
      if (reply.status === SIGNAL_NOT_FORWARDED) {
        const why = new TextDecoder()
          .decode(reply.body)
          .replace(/[^\x20-\x7e]+/g, ' ')
          .slice(0, 200);
        if (/no broker/.test(why)) noBroker.add(s);
        throw new SignalingError('unreachable', `the egress did not forward it: ${why}`, {
          ...(reply.retryAfterMs > 0 ? { retryAfterMs: reply.retryAfterMs } : {}),
        });
      }
      return {
        status: reply.status,
        body: reply.body,
        ...(reply.retryAfterMs > 0 ? { retryAfterMs: reply.retryAfterMs } : {}),
      };
    },
  };
}
