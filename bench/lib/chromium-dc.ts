/**
 * A bare data channel from a Chromium page to this Node process (node-datachannel bound to 127.0.0.1): the
 * baseline of the Chromium volunteer. Node offers (as the client does), the page answers (as the volunteer
 * does) and, on `SRC n size`, sends n bytes in `size`-byte messages honouring bufferedAmount.
 */
import type { Page } from 'playwright-core';
import { nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';
import { offerChannel, receiveFrom } from './dc-receive.js';
import { withTimeout } from './tcp-target.js';

const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });

/**
 * Runs in the page: answers the offer and serves `SRC` commands. A string, so that no transpiler helper
 * (e.g. esbuild's `__name`) ends up in code that runs where it is not defined.
 */
const PAGE_ANSWER = `async (offer) => {
  const highWater = 1024 * 1024;
  const pc = new RTCPeerConnection();
  globalThis.benchPeer = pc;
  pc.ondatachannel = (event) => {
    const channel = event.channel;
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = 256 * 1024;
    channel.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      const [cmd, totalText, sizeText] = message.data.split(' ');
      if (cmd !== 'SRC') return;
      const total = Number(totalText);
      const size = Number(sizeText);
      let sent = 0;
      const pump = () => {
        while (sent < total && channel.bufferedAmount < highWater) {
          const n = Math.min(size, total - sent);
          channel.send(new Uint8Array(n));
          sent += n;
        }
        channel.onbufferedamountlow = sent < total ? pump : null;
      };
      pump();
    };
  };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    const check = () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    };
    pc.onicegatheringstatechange = check;
    check();
  });
  return pc.localDescription.sdp;
}`;

export class ChromiumDc {
  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly channel: RTCDataChannel,
  ) {}

  static async open(page: Page): Promise<ChromiumDc> {
    const pc = new RtcPeerConnection();
    try {
      const { channel, opened, offer } = await offerChannel(pc);
      const answer = (await page.evaluate(`(${PAGE_ANSWER})(${JSON.stringify(offer)})`)) as string;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      await withTimeout(opened, 15_000, 'Chromium data channel open');
      return new ChromiumDc(pc, channel);
    } catch (e) {
      pc.close();
      throw e;
    }
  }

  /** The page sends `bytes` in `size`-byte messages; resolves with ms from the request to the last byte. */
  receive(bytes: number, size: number): Promise<number> {
    return receiveFrom(this.channel, bytes, size, 'Chromium data channel transfer');
  }

  close(): void {
    this.channel.close();
    this.pc.close();
  }
}
