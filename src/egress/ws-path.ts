/**
 * A `ws` WebSocket as a session path (path-v1 §2), for the egress. Its queue toward the volunteer is bounded
 * (session-v1 §5.4): past `pauseAt` bytes it stops reading from the volunteer until the queue falls to
 * `lowWater`, and past `maxQueued` it closes the path with 4413. The session itself never queues past
 * pathHighWater + pathControlHeadroom, so only a volunteer that does not read meets either.
 */
import type { WebSocket } from 'ws';
import type { PathTransport } from '../session/transport.js';
import { EGRESS_SESSION_DEFAULTS, SESSION_DEFAULTS } from '../shared/limits.js';
import { CloseCode } from '../shared/path.js';

export interface WebSocketPathLimits {
  /** `ondrain` fires, and reading resumes, once the queue is at or below this, bytes. */
  lowWater: number;
  /** Reading from the volunteer stops while the queue is above this, bytes. */
  pauseAt: number;
  /** The path is closed with 4413 past this, bytes. */
  maxQueued: number;
  /** After close(), the WebSocket is cut if the peer has not answered the close within this, ms. */
  closeGraceMs: number;
}

export const WS_PATH_DEFAULTS: WebSocketPathLimits = {
  lowWater: SESSION_DEFAULTS.pathLowWater,
  pauseAt: SESSION_DEFAULTS.pathHighWater + SESSION_DEFAULTS.pathControlHeadroom,
  maxQueued: EGRESS_SESSION_DEFAULTS.pathMaxQueuedBytes,
  closeGraceMs: EGRESS_SESSION_DEFAULTS.pathCloseGraceMs,
};

export function webSocketPath(ws: WebSocket, limits: WebSocketPathLimits = WS_PATH_DEFAULTS): PathTransport {
  let queued = 0;
  let waitingDrain = false;
  const close = (code: number, reason: string) => {
    if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return;
    ws.close(code, reason);
    setTimeout(() => ws.terminate(), limits.closeGraceMs).unref();
  };
  const t: PathTransport = {
    send(msg) {
      if (ws.readyState !== ws.OPEN) return;
      const n = msg.byteLength;
      if (queued + n > limits.maxQueued) {
        close(CloseCode.overQueue, 'the volunteer does not read');
        return;
      }
      queued += n;
      ws.send(msg, { binary: true }, () => {
        queued -= n;
        if (queued <= limits.lowWater) {
          if (ws.isPaused) ws.resume();
          if (waitingDrain) {
            waitingDrain = false;
            t.ondrain?.();
          }
        }
      });
      if (queued > limits.lowWater) waitingDrain = true;
      if (queued > limits.pauseAt && !ws.isPaused) ws.pause();
    },
    get bufferedAmount() {
      return queued;
    },
    close(code = CloseCode.normal, reason = '') {
      close(code, reason);
    },
    onmessage: null,
    onclose: null,
    ondrain: null,
  };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      close(CloseCode.protocol, 'text message on a binary path');
      return;
    }
    // binaryType is 'nodebuffer': the message is already a Buffer of its own, no copy needed.
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    t.onmessage?.(buf);
  });
  ws.on('close', (code, reason) => t.onclose?.(code, reason.toString()));
  ws.on('error', () => ws.terminate());
  return t;
}
