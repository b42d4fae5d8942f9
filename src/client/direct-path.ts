/**
 * The direct path (path-v1 §6): a WebSocket from the client straight to the egress, for when WebRTC itself is
 * blocked. Optionally through a front: TCP and TLS to the front host (SNI = the front), the egress's host in
 * the Host header, as domain fronting does; the egress's `--path` and subprotocol as for a volunteer's
 * WebSocket (path-v1 §1.3). The session runs over it unchanged (session-v1 is path-agnostic).
 *
 * It shows the client's address to the front and, behind it, to the egress (docs/security.md, "The direct
 * path"), so it is off by default and, in `fallback` mode, dropped as soon as a volunteer path is back.
 */
import { WebSocket } from 'ws';
import { webSocketPath } from '../egress/ws-path.js';
import type { PathTransport } from '../session/transport.js';
import { EGRESS_SESSION_DEFAULTS, SESSION_DEFAULTS } from '../shared/limits.js';
import { PATH_SUBPROTOCOL } from '../shared/path.js';
import { type DirectPathOptions, directTarget } from './direct-target.js';

/**
 * Opens the direct path: resolves once the egress accepted the upgrade with `starling.path.v1`; rejects with
 * the refusing status (a front or a decoy answers 404, a full egress 503), on error, timeout or `signal`.
 */
export function openDirectPath(
  o: DirectPathOptions,
  timeoutMs: number,
  signal: AbortSignal,
  lowWater = SESSION_DEFAULTS.pathLowWater,
): Promise<PathTransport> {
  const { connect, host } = directTarget(o);
  const ws = new WebSocket(connect, PATH_SUBPROTOCOL, {
    perMessageDeflate: false,
    maxPayload: SESSION_DEFAULTS.maxMessageBytes,
    handshakeTimeout: timeoutMs,
    followRedirects: false,
    headers: { host },
    ...(o.ca === undefined ? {} : { ca: o.ca }),
  });
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      signal.removeEventListener('abort', onAbort);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(e);
    };
    const onAbort = () => fail(new Error('direct path: given up'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      fail(new Error(`direct path: the upgrade was answered ${res.statusCode ?? 0}`));
    });
    ws.once('error', (e) => fail(new Error(`direct path: ${e.message}`)));
    ws.once('open', () => {
      signal.removeEventListener('abort', onAbort);
      ws.removeAllListeners();
      // Our queue toward the egress, bounded as the egress bounds its own (session-v1 §5.4).
      resolve(
        webSocketPath(ws, {
          lowWater,
          pauseAt: SESSION_DEFAULTS.pathHighWater + SESSION_DEFAULTS.pathControlHeadroom,
          maxQueued: EGRESS_SESSION_DEFAULTS.pathMaxQueuedBytes,
          closeGraceMs: EGRESS_SESSION_DEFAULTS.pathCloseGraceMs,
        }),
      );
    });
  });
}
