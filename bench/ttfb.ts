/**
 * Time to first byte after the client starts: volunteers are already waiting at the broker; the client
 * process is spawned, the SOCKS port is polled until it accepts, and one request goes through. Measured from
 * the spawn to the first byte of the response (node start-up, ICE, signaling, handshake, stream open).
 */
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { encodeKey } from '../src/session/noise.js';
import { CLIENT_DEFAULTS } from '../src/shared/limits.js';
import { Network } from '../test/helpers/network.js';
import { type Group, record, type Samples } from './lib/group.js';
import { download, startTcpTarget } from './lib/tcp-target.js';

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise((r) => s.close(r));
  return port;
}

/** Resolves once 127.0.0.1:port accepts a connection; polls every 2 ms for up to `ms`. */
async function untilAccepting(port: number, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`port ${port} not accepting after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const ttfbGroup: Group = {
  name: 'ttfb',
  figures: [
    {
      name: 'ttfb.client_start',
      unit: 'ms',
      what: `spawn of \`starling client\` (default --paths ${CLIENT_DEFAULTS.paths}) to the first byte of a proxied response, volunteers already waiting`,
      target: { on: 'value', op: '<=', limit: 100 },
    },
    {
      name: 'ttfb.client_ready',
      unit: 'ms',
      what: 'from the SOCKS port accepting to the first byte: signaling, WebRTC, handshake and stream open only',
    },
    {
      name: 'ttfb.client_listening',
      unit: 'ms',
      what: 'spawn of `starling client` to its SOCKS port accepting (node start-up and module loading)',
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    const target = await startTcpTarget();
    try {
      for (let i = 0; i < ctx.runs; i++) {
        // A fresh network per run: every process here shares 127.0.0.1, so the broker's per-address rate
        // limit (signaling-v1 §1) would otherwise start refusing after a few runs, and no volunteer is still
        // busy with the previous client.
        const net = await Network.start({ volunteers: CLIENT_DEFAULTS.paths + 1, client: false });
        try {
          const port = await freePort();
          const t0 = performance.now();
          const started = net.startClient(
            CLIENT_DEFAULTS.paths,
            encodeKey(net.keys.publicKey),
            [],
            `127.0.0.1:${port}`,
          );
          // A client that fails to start (it exits, or never says it listens) ends the wait for its port.
          const failed = started.then(() => new Promise<never>(() => {}));
          await Promise.race([untilAccepting(port, 20_000), failed]);
          const listening = performance.now() - t0;
          const t1 = performance.now();
          const d = await download(port, target.port, 1, undefined, 30_000);
          const firstByte = t1 + d.firstByteMs - t0;
          record(samples, 'ttfb.client_start', firstByte);
          record(samples, 'ttfb.client_listening', listening);
          record(samples, 'ttfb.client_ready', firstByte - listening);
          ctx.log(
            `run ${i + 1}: listening after ${listening.toFixed(0)} ms, first byte after ${firstByte.toFixed(0)} ms`,
          );
          await started;
        } finally {
          await net.stop();
        }
      }
    } finally {
      await target.close();
    }
    return samples;
  },
};
