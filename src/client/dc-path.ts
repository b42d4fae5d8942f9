/** A WebRTC data channel as a session path (path-v1 §1-§2), for the client. Web-standard API only. */
import type { PathTransport } from '../session/transport.js';
import { SESSION_DEFAULTS } from '../shared/limits.js';
import { CloseCode } from '../shared/path.js';

export function dataChannelPath(
  dc: RTCDataChannel,
  pc: RTCPeerConnection,
  lowWater = SESSION_DEFAULTS.pathLowWater,
): PathTransport {
  let closed = false;
  const t: PathTransport = {
    send(msg) {
      if (closed || dc.readyState !== 'open') return;
      try {
        dc.send(msg as Uint8Array<ArrayBuffer>);
      } catch (e) {
        // The channel closed under us (its close event is still on its way): end the path, but not from
        // inside the session's own send loop.
        queueMicrotask(() => ended(`send failed: ${(e as Error).message}`));
      }
    },
    get bufferedAmount() {
      if (closed) return 0;
      try {
        return dc.bufferedAmount;
      } catch {
        return 0;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      dc.close();
      pc.close();
    },
    onmessage: null,
    onclose: null,
    ondrain: null,
  };
  const ended = (reason: string) => {
    if (closed) return;
    closed = true;
    try {
      pc.close();
    } catch {
      // already closed
    }
    t.onclose?.(CloseCode.abnormal, reason);
  };
  dc.binaryType = 'arraybuffer';
  dc.bufferedAmountLowThreshold = lowWater;
  dc.onmessage = (ev: MessageEvent) => {
    if (ev.data instanceof ArrayBuffer) t.onmessage?.(new Uint8Array(ev.data));
    else ended('text message on a binary path');
  };
  dc.onbufferedamountlow = () => t.ondrain?.();
  dc.onclose = () => ended('data channel closed');
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed')
      ended(`peer ${pc.connectionState}`);
  };
  return t;
}
