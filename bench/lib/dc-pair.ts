/**
 * A bare WebRTC data channel between this process and a child process (bench/lib/dc-child.ts), both on
 * node-datachannel bound to 127.0.0.1: the baseline that the tunnel's path hop is compared with.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';
import { type WatchedChild, watchChild } from '../../test/helpers/child.js';
import { offerChannel, receiveFrom } from './dc-receive.js';
import { withTimeout } from './tcp-target.js';

const CHILD = fileURLToPath(new URL('./dc-child.ts', import.meta.url));
const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });

export class BareDc {
  private constructor(
    private readonly proc: WatchedChild,
    private readonly pc: RTCPeerConnection,
    private readonly channel: RTCDataChannel,
  ) {}

  /** Process id of the child (the sending end of `receive`). */
  get childPid(): number {
    return this.proc.child.pid ?? 0;
  }

  /** Spawns the child and opens one ordered, reliable channel to it. */
  static async open(): Promise<BareDc> {
    const proc = watchChild(
      spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const lines = createInterface({ input: proc.child.stdout! })[Symbol.asyncIterator]();
    const pc = new RtcPeerConnection();
    try {
      const { channel, opened, offer } = await offerChannel(pc);
      proc.child.stdin!.write(`${JSON.stringify({ offer })}\n`);
      const reply = await withTimeout(lines.next(), 20_000, 'bare DC answer');
      if (reply.done === true) throw new Error('bare DC child exited');
      const { answer } = JSON.parse(reply.value) as { answer: string };
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      await withTimeout(opened, 10_000, 'bare DC open');
      return new BareDc(proc, pc, channel);
    } catch (e) {
      pc.close();
      await proc.stop('SIGKILL');
      throw e;
    }
  }

  /** The child sends `bytes` in `size`-byte messages; resolves with ms from the request to the last byte. */
  receive(bytes: number, size: number): Promise<number> {
    return receiveFrom(this.channel, bytes, size, 'bare DC transfer');
  }

  /** One-byte round trips: `count` samples in ms after `warmup` unrecorded ones. */
  async roundTrips(count: number, warmup: number): Promise<number[]> {
    this.channel.send('ECHO');
    const samples: number[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const start = performance.now();
      const back = once(this.channel, 'message');
      this.channel.send(new Uint8Array(1));
      await withTimeout(back, 10_000, 'bare DC echo');
      if (i >= warmup) samples.push(performance.now() - start);
    }
    return samples;
  }

  async close(): Promise<void> {
    this.channel.close();
    this.pc.close();
    this.proc.child.stdin?.end(); // the child closes its peers and exits
    await this.proc.stop(null, 3000);
  }
}
