/**
 * The receiving end of a bare data-channel measurement: asks the far side (`SRC bytes size`) to send, and
 * resolves with the ms from the request to the last byte.
 */
import { withTimeout } from './tcp-target.js';

export function receiveFrom(
  channel: RTCDataChannel,
  bytes: number,
  size: number,
  what: string,
): Promise<number> {
  const start = performance.now();
  let got = 0;
  const done = new Promise<number>((resolve) => {
    const onMessage = (event: MessageEvent<ArrayBuffer | string>): void => {
      if (typeof event.data === 'string') return;
      got += event.data.byteLength;
      if (got >= bytes) {
        channel.removeEventListener('message', onMessage);
        resolve(performance.now() - start);
      }
    };
    channel.addEventListener('message', onMessage);
  });
  channel.send(`SRC ${bytes} ${size}`);
  return withTimeout(done, 120_000, what);
}
