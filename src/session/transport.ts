/**
 * What the session needs from a path: a data channel on the client, a WebSocket on the egress
 * (docs/spec/path-v1.md). Each `send` is one path message; messages arrive whole and in order.
 */
import { CloseCode } from '../shared/path.js';

export interface PathTransport {
  send(msg: Uint8Array): void;
  /** Bytes handed to `send` and not yet on the wire. */
  readonly bufferedAmount: number;
  close(code?: number, reason?: string): void;
  onmessage: ((msg: Uint8Array) => void) | null;
  onclose: ((code: number, reason: string) => void) | null;
  /** Called when `bufferedAmount` falls to the transport's low-water mark. */
  ondrain: (() => void) | null;
}

/** The first message on a path, and any that arrived after it before the session took the path over. */
export interface FirstMessage {
  first: Uint8Array;
  backlog: Uint8Array[];
}

/**
 * Resolves with the next message on `t`, or rejects on close or timeout. Messages that arrive after it
 * (several can be dispatched in one turn) are kept in `backlog`, at most `maxBacklogBytes` of them
 * (handshakeBacklogBytes; more closes the path with 4413), until `onmessage` is replaced.
 */
export function nextMessage(
  t: PathTransport,
  timeoutMs: number,
  what: string,
  maxBacklogBytes: number,
): Promise<FirstMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      t.onmessage = null;
      t.onclose = null;
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    t.onmessage = (first) => {
      clearTimeout(timer);
      const backlog: Uint8Array[] = [];
      let bytes = 0;
      t.onmessage = (msg) => {
        bytes += msg.byteLength;
        if (bytes <= maxBacklogBytes) backlog.push(msg);
        else {
          backlog.length = 0;
          t.onmessage = null;
          t.close(CloseCode.overQueue, 'too much sent before the handshake finished');
        }
      };
      t.onclose = null;
      resolve({ first, backlog });
    };
    t.onclose = (code, reason) => {
      clearTimeout(timer);
      t.onmessage = null;
      t.onclose = null;
      reject(new Error(`${what}: path closed (${code}${reason ? ` ${reason}` : ''})`));
    };
  });
}
