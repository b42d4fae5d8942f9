/**
 * The egress's side of the tunnel rendezvous (session-v1 §4.4, signaling-v1 §12): each SIGNAL a session
 * carries is posted to the one broker the operator named (`--broker`), on one of the closed list of routes,
 * and the broker's answer goes back as SIGNAL_REPLY. Nothing else is forwarded, to nowhere else: the egress
 * is no proxy. Each session has a rate on top of session-v1's in-flight cap, and every exchange a deadline.
 * With the operator's broker token (`--broker-token`), each request also names its session by a random id
 * made for that session alone, so the broker counts each session apart (signaling-v1 §12).
 */
import type { Session } from '../session/session.js';
import {
  MAX_SIGNAL_BYTES,
  SIGNAL_NOT_FORWARDED,
  SIGNAL_ROUTES,
  type SignalReply,
  type SignalRequest,
} from '../session/signal.js';
import { deadline } from '../shared/deadline.js';
import { TokenBucket } from '../shared/token-bucket.js';
import { randomId } from '../signaling/fields.js';
import { readAtMost } from '../signaling/rendezvous-http.js';
import { checkEgressToken, EGRESS_TOKEN_HEADER, SESSION_HEADER } from '../signaling/tunnel-source.js';

export interface SignalForwarderOptions {
  /** The broker's base URL (http: or https:). */
  broker: string;
  /** One exchange with the broker, at most, ms (a client offer waits there for a volunteer's answer). */
  timeoutMs: number;
  /** Exchanges a session may forward a second, and in a burst. */
  ratePerSec: number;
  burst: number;
  /**
   * The token the broker trusts this egress by (signaling-v1 §12, `--broker-token`): sent with each request,
   * with the session's id. @default none: the broker counts every session as this egress's address
   */
  token?: string;
  /** @default the global fetch */
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export const SIGNAL_FORWARD_DEFAULTS = { timeoutMs: 30_000, ratePerSec: 0.5, burst: 8 } as const;

function refusal(reason: string): SignalReply {
  return { status: SIGNAL_NOT_FORWARDED, retryAfterMs: 0, body: new TextEncoder().encode(reason) };
}

/** The broker's base URL, checked: http: or https:, ending in `/` (RangeError otherwise). */
export function brokerBase(url: string): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new RangeError(`--broker: ${JSON.stringify(url.slice(0, 80))} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new RangeError(`--broker must be an http: or https: URL, not ${base.protocol}`);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base;
}

/** Makes the forwarder; `attach(session)` has it answer that session's SIGNALs until the session closes. */
export function signalForwarder(options: SignalForwarderOptions): { attach(session: Session): void } {
  const base = brokerBase(options.broker);
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const log = options.log ?? (() => {});
  const token = options.token === undefined ? undefined : checkEgressToken(options.token);

  async function forward(req: SignalRequest, session: string, signal: AbortSignal): Promise<SignalReply> {
    const route = SIGNAL_ROUTES[req.route];
    const headers: Record<string, string> =
      token === undefined ? {} : { [EGRESS_TOKEN_HEADER]: token, [SESSION_HEADER]: session };
    const init: RequestInit = {
      method: route.method,
      signal,
      redirect: 'error',
      credentials: 'omit',
      headers,
    };
    if (route.method === 'POST') {
      headers['content-type'] = route.type;
      init.body = req.body as Uint8Array<ArrayBuffer>;
    }
    const res = await fetchFn(new URL(route.path, base), init);
    const body = await readAtMost(res, MAX_SIGNAL_BYTES);
    if (body === undefined) return refusal(`the broker answered more than ${MAX_SIGNAL_BYTES} bytes`);
    const after = Number(res.headers.get('retry-after'));
    const retryAfterMs = Number.isFinite(after) && after > 0 ? after * 1000 : 0;
    return { status: res.status, retryAfterMs, body };
  }

  return {
    attach(session: Session): void {
      const rate = new TokenBucket(options.ratePerSec, options.burst);
      // signaling-v1 §12: random, so it names neither the client nor its volunteers, and links nothing
      // across sessions or egresses; kept in memory for this session only.
      const id = randomId();
      const closing = new AbortController();
      session.once('closed', () => closing.abort(new Error('session closed')));
      session.on('signal', (req) => {
        const wait = rate.tryTake();
        if (wait > 0) {
          req.reply({ ...refusal('too many signaling exchanges; wait'), retryAfterMs: wait });
          return;
        }
        const limit = deadline(
          options.timeoutMs,
          closing.signal,
          () => new Error(`no answer from the broker within ${options.timeoutMs} ms`),
        );
        forward(req, id, limit.signal)
          .catch((err: unknown) => {
            const why = limit.signal.aborted ? (limit.signal.reason as Error).message : 'broker unreachable';
            log(`signaling for a client not forwarded: ${why} (${(err as Error).message})`);
            return refusal(why);
          })
          .then((reply) => req.reply(reply))
          .finally(() => limit.clear());
      });
    },
  };
}
