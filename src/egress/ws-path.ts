/** A `ws` WebSocket as a session path (path-v1 §2), for the egress. */
import type { WebSocket } from 'ws';
import type { PathTransport } from '../session/transport.js';
import { SESSION_DEFAULTS } from '../shared/limits.js';
import { CloseCode } from '../shared/path.js';

export function webSocketPath(ws: WebSocket, lowWater = SESSION_DEFAULTS.pathLowWater): PathTransport {
  let queued = 0;
  let waitingDrain = false;
  const t: PathTransport = {
    send(msg) {
      if (ws.readyState !== ws.OPEN) return;
      const n = msg.byteLength;
      queued += n;
      ws.send(msg, { binary: true }, () => {
        queued -= n;
        if (waitingDrain && queued <= lowWater) {
          waitingDrain = false;
          t.ondrain?.();
        }
      });
      if (queued > lowWater) waitingDrain = true;
    },
    get bufferedAmount() {
      return queued;
    },
    close(code = CloseCode.normal, reason = '') {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    },
    onmessage: null,
    onclose: null,
    ondrain: null,
  };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      ws.close(CloseCode.protocol, 'text message on a binary path');
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
