/**
 * A browser volunteer behind a NAT (issue 10 item 6): headless Chromium inside a lab host behind a NAT
 * router, a page there with the widget switched on and paired, and a `starling client` behind another NAT
 * fetching a file through the tab. The broker (STUN from coturn, and a second one with TURN), the egress
 * and the file server are on the lab's internet; the page comes from the volunteer host's own loopback (a
 * secure context, as a news site's https page is), everything else crosses the NAT routers. Checked: the
 * bytes, the NAT class the widget reported on its polls, and the candidate pair the tab's peer connection
 * selected (the client's public address, or the TURN relay).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { newPairingCode } from '../../src/signaling/pairing.js';
import type { LaunchedChromium } from '../helpers/chromium.js';
import { addWidget, type BridgeElement, waitForState } from '../widget/host-page.js';
import { skipLabTests } from './available.js';
import { chromiumUnavailable, launchChromiumIn } from './chromium.js';
import { Lab, type LabHost } from './lab.js';
import type { NatKind } from './nat.js';
import { type LabServers, startLabServers } from './servers.js';
import type { WireOptions } from './wire.js';

const skip = (await skipLabTests()) || chromiumSkip();

function chromiumSkip(): string | false {
  const reason = chromiumUnavailable();
  if (reason === undefined) return false;
  console.error(`starling: Chromium lab tests skipped: ${reason}`);
  return reason;
}

const FILE_BYTES = 1024 * 1024;
/**
 * The first case's wires: 40 ms round trips to the servers, 80 ms between client and tab. The others have
 * plain wires: each delay element is a process copying every packet, which the loaded machine feels.
 */
const DELAYED = { delayMs: 20 };

/** What the tab's connected peer connection selected (RTCStatsReport), one end each. */
interface SelectedPair {
  local: { type: string; address: string; port: number };
  remote: { type: string; address: string; port: number };
}

/**
 * Before any page script: keeps every RTCPeerConnection the page makes (the widget's, through its
 * constructor) where the test can ask them for their stats. The widget takes the constructor it finds.
 */
function recordPeerConnections(): void {
  const Native = globalThis.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  globalThis.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      made.push(this);
    }
  };
  Object.defineProperty(globalThis, '__labPeerConnections', { value: made });
}

/** The selected pairs of the page's connected peer connections. */
function selectedPairs(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(async () => {
    const made = (globalThis as unknown as { __labPeerConnections: RTCPeerConnection[] })
      .__labPeerConnections;
    const out: SelectedPair[] = [];
    for (const pc of made) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      const all = [...stats.values()] as Record<string, unknown>[];
      const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId !== undefined);
      const pair = all.find((s) => s.id === transport?.selectedCandidatePairId);
      if (pair === undefined) continue;
      // No named functions in here: tsx would wrap them in a helper the page does not have.
      const [local, remote] = [pair.localCandidateId, pair.remoteCandidateId].map((id) => {
        const c = all.find((s) => s.id === id) ?? {};
        return { type: String(c.candidateType), address: String(c.address ?? c.ip), port: Number(c.port) };
      });
      out.push({ local: local!, remote: remote! });
    }
    return out;
  });
}

const widgetStats = (page: Page) =>
  page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stats);

describe('a browser volunteer behind a NAT: Chromium with the widget, in the lab (issue 10)', {
  skip,
}, () => {
  let lab: Lab;
  let servers: LabServers;
  const browsers: LaunchedChromium[] = [];

  before(async () => {
    lab = await Lab.create();
    servers = await startLabServers(lab, { fileBytes: FILE_BYTES });
  });
  after(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    await lab?.close();
  });

  /** A tab in Chromium in a new volunteer host behind `nat`, its widget on `broker`, paired with `code`. */
  async function startTab(
    name: string,
    nat: NatKind,
    broker: 'stun' | 'turn',
    code: string,
    wire?: WireOptions,
  ): Promise<{ host: LabHost; page: Page; polledNat: string[]; requests: string[]; errors: string[] }> {
    const host = await lab.addHost(name, { nat, ...(wire === undefined ? {} : { wire }) });
    const pages = host.node('test/lab/probes/host-page.ts');
    const url = (await pages.waitFor(/serving (\S+)/))[1]!;
    const chromium = await launchChromiumIn(lab, host);
    browsers.push(chromium);
    await chromium.context.addInitScript(recordPeerConnections);
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const polledNat: string[] = [];
    const requests: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/v1/')) requests.push(`${r.method()} ${path}`);
      if (r.method() === 'POST' && path === '/v1/volunteer/poll')
        polledNat.push(String((r.postDataJSON() as { nat?: unknown }).nat));
    });
    await page.goto(`${url}blank`);
    await addWidget(page, {
      'data-broker': servers.brokers[broker],
      'data-egress': servers.egressUrl,
      'data-pairing': code,
      'data-lang': 'en',
    });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'waiting', 30_000);
    return { host, page, polledNat, requests, errors };
  }

  /** A client in a new host behind `nat`, paired with `code`, fetches the file through its path. */
  async function fetchThrough(
    name: string,
    nat: NatKind,
    broker: 'stun' | 'turn',
    code: string,
    wire?: WireOptions,
  ) {
    const host = await lab.addHost(name, { nat, ...(wire === undefined ? {} : { wire }) });
    const started = performance.now();
    const proc = servers.starling(host, name, [
      'client',
      '--broker',
      servers.brokers[broker],
      '--egress-key',
      servers.egressKey,
      '--socks',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--paths',
      '1',
      '--ice-address',
      host.address,
      '--pairing',
      code,
      '--paired-only',
    ]);
    const socks = Number((await proc.waitFor(/SOCKS5 proxy on [\d.]+:(\d+)/, 30_000))[1]);
    await proc.waitFor(/path \d+ up through volunteer/, 30_000);
    const pathUpMs = performance.now() - started;
    const got = JSON.parse(
      await host.execNode(
        'test/lab/probes/file.ts',
        ['get', String(socks), servers.target.address, String(servers.target.port)],
        {
          timeoutMs: 30_000,
        },
      ),
    ) as { bytes: number; sha256: string; ttfbMs: number };
    return { host, proc, pathUpMs, ...got };
  }

  test('STUN only: a client behind a cone NAT fetches a file through a tab behind another, 20 ms wires', async (t) => {
    const code = newPairingCode();
    const tab = await startTab('vcone', 'cone', 'stun', code, DELAYED);
    const client = await fetchThrough('ccone', 'cone', 'stun', code, DELAYED);
    t.diagnostic(
      `path up in ${Math.round(client.pathUpMs)} ms, file in ${Math.round(client.ttfbMs)} ms to first byte`,
    );
    assert.equal(client.bytes, FILE_BYTES);
    assert.equal(client.sha256, servers.digest);
    assert.ok(
      client.proc.lines.some((l) => l.includes('network: NAT cone')),
      client.proc.lines.join('\n'),
    );
    assert.ok(
      tab.polledNat.length > 0 && tab.polledNat.every((n) => n === 'cone'),
      `polled ${tab.polledNat}`,
    );
    const pairs = await selectedPairs(tab.page);
    t.diagnostic(`tab's selected pair: ${JSON.stringify(pairs)}`);
    assert.equal(pairs.length, 1, JSON.stringify(pairs));
    // Directly, hole-punched through both routers: each end's public (router) address, no relay.
    assert.deepEqual(
      [pairs[0]!.local.type, pairs[0]!.local.address],
      ['srflx', tab.host.publicAddress],
      'the tab is inside its lab host, behind its router',
    );
    assert.equal(pairs[0]!.remote.address, client.host.publicAddress);
    assert.notEqual(pairs[0]!.remote.type, 'relay');
    // One read of the broker's info before the first poll: its egress list, ICE servers and key alike.
    assert.deepEqual(tab.requests.slice(0, 2), ['GET /v1/info', 'POST /v1/volunteer/poll']);
    const helped = await widgetStats(tab.page);
    assert.equal(helped.helping, 1);
    assert.ok(helped.bytesRelayed >= FILE_BYTES, `relayed ${helped.bytesRelayed} bytes`);
    assert.deepEqual(tab.errors, []);
    // A client that vanishes behind its NAT sends nothing more, not even an ICMP error: the tab lets go.
    await client.proc.stop('SIGKILL');
    const killed = performance.now();
    await tab.page.waitForFunction(
      () => document.querySelector<BridgeElement>('starling-bridge')!.stats.helping === 0,
      undefined,
      { timeout: 30_000, polling: 100 },
    );
    t.diagnostic(`the tab let go of the killed client after ${Math.round(performance.now() - killed)} ms`);
  });

  test('with TURN: a client behind a symmetric NAT fetches a file through a tab behind a cone NAT, relayed', async (t) => {
    const code = newPairingCode();
    const tab = await startTab('vconeturn', 'cone', 'turn', code);
    const client = await fetchThrough('csym', 'symmetric', 'turn', code);
    t.diagnostic(
      `path up in ${Math.round(client.pathUpMs)} ms, file in ${Math.round(client.ttfbMs)} ms to first byte`,
    );
    assert.equal(client.bytes, FILE_BYTES);
    assert.equal(client.sha256, servers.digest);
    assert.ok(
      client.proc.lines.some((l) => l.includes('network: NAT symmetric')),
      client.proc.lines.join('\n'),
    );
    assert.ok(
      tab.polledNat.length > 0 && tab.polledNat.every((n) => n === 'cone'),
      `polled ${tab.polledNat}`,
    );
    const pairs = await selectedPairs(tab.page);
    t.diagnostic(`tab's selected pair: ${JSON.stringify(pairs)}`);
    assert.equal(pairs.length, 1, JSON.stringify(pairs));
    assert.ok(
      pairs[0]!.local.type === 'relay' || pairs[0]!.remote.type === 'relay',
      `through the TURN relay: ${JSON.stringify(pairs)}`,
    );
    assert.deepEqual(tab.errors, []);
    await client.proc.stop();
  });

  test('with TURN: a tab behind a symmetric NAT says so, and a client behind another carries a file through it', async (t) => {
    const code = newPairingCode();
    const tab = await startTab('vsymturn', 'symmetric', 'turn', code);
    const client = await fetchThrough('csymturn', 'symmetric', 'turn', code);
    t.diagnostic(
      `path up in ${Math.round(client.pathUpMs)} ms, file in ${Math.round(client.ttfbMs)} ms to first byte`,
    );
    assert.equal(client.sha256, servers.digest);
    assert.ok(
      tab.polledNat.length > 0 && tab.polledNat.every((n) => n === 'symmetric'),
      `polled ${tab.polledNat}`,
    );
    const pairs = await selectedPairs(tab.page);
    t.diagnostic(`tab's selected pair: ${JSON.stringify(pairs)}`);
    assert.equal(pairs.length, 1, JSON.stringify(pairs));
    assert.ok(
      pairs[0]!.local.type === 'relay' || pairs[0]!.remote.type === 'relay',
      `through the TURN relay: ${JSON.stringify(pairs)}`,
    );
    assert.deepEqual(tab.errors, []);
    await client.proc.stop();
  });
});
