/**
 * The Node end of a bare data-channel measurement, shared by the node-datachannel pair (dc-pair.ts) and the
 * Chromium page peer (chromium-dc.ts): it offers the channel as the Starling client does, then asks the far
 * side (`SRC bytes size`) to send and times the transfer.
 */
import { once } from 'node:events';
import { offerForVolunteer } from '../../src/client/offer-sdp.js';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { withTimeout } from './tcp-target.js';

const ICE_GATHERING_TIMEOUT_MS = 5000;

export interface OfferedChannel {
  /** One ordered, reliable channel with binaryType 'arraybuffer'. */
  channel: RTCDataChannel;
  /** Resolves when the channel opens (once the answer is set). */
  opened: Promise<unknown>;
  /** The offer to send, complete (no trickle) and made as the client makes it (path-v1 §1, `a=setup:actpass`). */
  offer: string;
}

/** Creates the channel on `pc` and the offer for it. */
export async function offerChannel(pc: RTCPeerConnection): Promise<OfferedChannel> {
  const channel = pc.createDataChannel('bench', { ordered: true });
  channel.binaryType = 'arraybuffer';
  const opened = once(channel, 'open');
  await pc.setLocalDescription(await pc.createOffer());
  await waitIceComplete(pc, ICE_GATHERING_TIMEOUT_MS);
  return { channel, opened, offer: offerForVolunteer(localSdp(pc)) };
}

/** Asks the far side to send `bytes` in `size`-byte messages; resolves with ms from the request to the last byte. */
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
