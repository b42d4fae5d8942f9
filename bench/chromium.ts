/**
 * Chromium as the volunteer: the demo news page (src/demo/web.ts) with the widget, switched on as a reader
 * would, relaying for a Node client; and its baseline, a bare data channel from a Chromium page to Node.
 * Needs Debian's chromium (test/helpers/chromium.ts) and the widget bundle (scripts/build-widget.mjs).
 */
import { startDemoWeb } from '../src/demo/web.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { Network } from '../test/helpers/network.js';
import { ChromiumDc } from './lib/chromium-dc.js';
import { type Group, MiB, mbPerS, record, type Samples, withRetry } from './lib/group.js';
import { waitPaths } from './lib/procs.js';
import { download, startTcpTarget } from './lib/tcp-target.js';
import { BARE_MESSAGE_BYTES } from './throughput.js';
import { ensureWidgetBundle } from './widget.js';

const BYTES = 64 * MiB;

export const chromiumGroup: Group = {
  name: 'chromium',
  figures: [
    {
      name: 'throughput.bare_dc.chromium',
      unit: 'MB/s',
      what: `64 MiB over a bare data channel from a Chromium page to a Node peer, ${BARE_MESSAGE_BYTES / 1024} KiB messages`,
    },
    {
      name: 'throughput.tunnel.chromium_volunteer',
      unit: 'MB/s',
      what: '64 MiB download with the widget on the demo page in Chromium as the only volunteer (--paths 1)',
      baseline: 'throughput.bare_dc.chromium',
      target: { on: 'ratio', op: '>=', limit: 0.8 },
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    const bundlePath = ensureWidgetBundle();
    const target = await startTcpTarget();
    const cleanup: (() => Promise<void> | void)[] = [() => target.close()];
    try {
      const chromium = await launchChromium();
      cleanup.push(() => chromium.close());
      const barePage = await chromium.context.newPage();
      await barePage.goto('about:blank');
      const bare = await withRetry('Chromium data channel', () => ChromiumDc.open(barePage));
      cleanup.push(() => bare.close());
      let net: Network | undefined;
      if (ctx.wants('throughput.tunnel.chromium_volunteer')) {
        net = await Network.start({ volunteers: 0, paths: 1 });
        const started = net;
        cleanup.push(() => started.stop());
        const web = await startDemoWeb({
          host: '127.0.0.1',
          port: 0,
          brokerUrl: net.brokerUrl,
          egressUrl: net.egressUrl,
          bundlePath,
        });
        cleanup.push(() => web.close());
        const page = await chromium.context.newPage();
        await page.goto(web.url);
        await page.getByRole('switch', { name: 'Be a bridge' }).click();
        await waitPaths(net.client!, 1);
        await download(net.socksPort, target.port, MiB);
      }
      for (let i = 0; i < ctx.runs; i++) {
        const ms = await bare.receive(BYTES, BARE_MESSAGE_BYTES);
        record(samples, 'throughput.bare_dc.chromium', mbPerS(BYTES, ms));
        if (net) {
          const d = await download(net.socksPort, target.port, BYTES);
          record(samples, 'throughput.tunnel.chromium_volunteer', mbPerS(BYTES, d.ms));
        }
        const volunteer = samples.get('throughput.tunnel.chromium_volunteer')?.at(-1);
        ctx.log(
          `run ${i + 1}: bare ${samples.get('throughput.bare_dc.chromium')?.at(-1)?.toFixed(1)} MB/s` +
            (volunteer === undefined ? '' : `, volunteer ${volunteer.toFixed(1)} MB/s`),
        );
      }
    } finally {
      for (const step of cleanup.reverse()) await step();
    }
    return samples;
  },
};
