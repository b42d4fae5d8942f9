/**
 * The broker's live network map and site counter (docs/map.md), on a real broker over HTTP: the page
 * renders in real Chromium and updates when a real volunteer (the Node relay core) joins and a real client
 * is matched with it; regions come from the operator's region source; /map.json and /counter.json hold no
 * IP address; the per-site count follows the Origin a browser volunteer polls with, rounded. Saves the
 * screenshot artifacts/screenshots/network-map.png (docs/screenshots/ holds the copy the README shows). Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/broker/map.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { type BrokerServer, createBrokerServer } from '../../src/broker/http.js';
import { NetworkMap, roundHelped } from '../../src/broker/network-map.js';
import { regionSource } from '../../src/broker/regions.js';
import type { RelayEnv } from '../../src/volunteer/env.js';
import { nodeRelayEnv } from '../../src/volunteer/node.js';
import { VolunteerRelay } from '../../src/volunteer/relay.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { connectClient, type EchoEgress, isAnswerRace, startEchoEgress } from '../volunteer/harness.js';

const SCREENSHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
const IPV4 = /\b\d{1,3}(\.\d{1,3}){3}\b/;
/** Three or more colons, or `::` (the snapshot's ISO time has two). */
const IPV6 = /([0-9a-f]{1,4}:){3,}[0-9a-f]{1,4}|::/i;
const SITE = 'https://news.example';

let chromium: LaunchedChromium;
let egress: EchoEgress;
let broker: BrokerServer;
let base: string;
const relays: VolunteerRelay[] = [];

/** A Node volunteer whose broker requests say they come through the proxy from `address`, as a page at `origin`. */
function volunteer(address: string, origin?: string): VolunteerRelay {
  const env = nodeRelayEnv({ bindAddress: '127.0.0.1' });
  const headers = { 'x-forwarded-for': address, ...(origin === undefined ? {} : { origin }) };
  const fetchFrom: RelayEnv['fetch'] = (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } });
  const relay = new VolunteerRelay({ broker: base, allow: [egress.url] }, { ...env, fetch: fetchFrom });
  relays.push(relay);
  relay.start();
  return relay;
}

before(async () => {
  chromium = await launchChromium();
  egress = await startEchoEgress();
  broker = createBrokerServer({
    egress: [egress.url],
    trustedProxies: 1,
    pollTimeoutMs: 500,
    regionOf: regionSource([
      { cidr: '198.18.1.0/24', region: 'Europe' },
      { cidr: '198.18.2.0/24', region: 'North America' },
      { cidr: '127.0.0.0/8', region: 'East Asia' },
    ]),
  });
  const { port } = await broker.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}/`;
});

after(async () => {
  for (const relay of relays) relay.kill();
  await chromium.close();
  await broker.close();
  await egress.close();
});

function shown(page: Page): Promise<{ volunteers: string; regions: Record<string, string[]> }> {
  return page.evaluate(() => {
    const regions: Record<string, string[]> = {};
    for (const g of document.querySelectorAll('#map g[data-region]')) {
      regions[g.getAttribute('data-region')!] = ['volunteers', 'clients', 'matches'].map(
        (k) => g.getAttribute(`data-${k}`)!,
      );
    }
    return { volunteers: document.getElementById('volunteers')!.textContent!, regions };
  });
}

/** A client matched through the broker at `url`; the offering side's libdatachannel race is retried. */
async function connectWhenWaitingOn(url: string): Promise<Awaited<ReturnType<typeof connectClient>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectClient(url, egress.url, 10_000);
    } catch (error) {
      if (!isAnswerRace(error) || attempt === 5) throw error;
      await waitingIs(1);
    }
  }
}

/** Waits until the broker's pool holds `n` volunteers. */
async function waitingIs(n: number): Promise<void> {
  for (let i = 0; (await broker.store.counts()).waiting !== n; i++) {
    if (i === 200) throw new Error(`the pool never held ${n} volunteers`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function json(path: string): Promise<{ text: string; body: unknown; status: number }> {
  const res = await fetch(new URL(path, base));
  const text = await res.text();
  return { text, body: JSON.parse(text), status: res.status };
}

describe('network map', () => {
  test('the page renders in Chromium and updates as volunteers join and a client is matched', async (t) => {
    const page = await chromium.context.newPage();
    t.after(() => page.close());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width: 900, height: 760 });
    await page.goto(`${base}map`);
    await page.waitForFunction(() => document.getElementById('updated')!.textContent !== '');
    assert.deepEqual(await shown(page), { volunteers: '0', regions: {} });

    volunteer('198.18.1.7');
    await page.waitForFunction(() => document.getElementById('volunteers')!.textContent === '1', null, {
      timeout: 15_000,
    });
    assert.deepEqual((await shown(page)).regions, { Europe: ['1', '0', '0'] });

    // The first leaves (it stays on the map for activeMs); only once the broker's pool is empty does the
    // second join, so the client can be matched with the second one only.
    await relays[0]!.stop();
    await waitingIs(0);
    volunteer('198.18.2.9', SITE);
    await waitingIs(1);
    assert.equal(broker.map.snapshot().totals.volunteers, 2);
    // Retries libdatachannel's offer-side answer race, as the relay suite does (harness.ts isAnswerRace).
    const client = await connectWhenWaitingOn(base);
    t.after(() => client.close());
    // At least one: an offer lost to libdatachannel's race (retried above) was handed over, so it counts too.
    await page.waitForFunction(() => Number(document.getElementById('matches')!.textContent) >= 1, null, {
      timeout: 15_000,
    });
    const { regions } = await shown(page);
    assert.equal(regions['East Asia']?.[1], '1', 'the client, from 127.0.0.1');
    assert.deepEqual(regions['North America']?.slice(0, 2), ['1', '0'], 'the second volunteer');
    assert.ok(Number(regions['North America']?.[2]) >= 1, 'the match, with the second volunteer');
    assert.equal(regions.Europe?.[2], '0', 'none with the first, gone before the client came');
    assert.deepEqual(errors, []);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}network-map.png`, fullPage: true });
  });

  test('/map.json and /counter.json hold no IP address', async () => {
    const map = await json('/map.json');
    assert.equal(map.status, 200);
    assert.doesNotMatch(map.text, IPV4);
    assert.doesNotMatch(map.text, IPV6);
    assert.ok((map.body as { totals: { volunteers: number } }).totals.volunteers >= 1);
    const counter = await json(`/counter.json?site=${encodeURIComponent(SITE)}`);
    assert.doesNotMatch(counter.text, IPV4);
    assert.doesNotMatch(counter.text, IPV6);
  });

  test('the counter counts per page origin, rounded; a bad site is a 400 with the reason', async () => {
    const matches = broker.map.snapshot().totals.matchesToday;
    const mine = (await json(`/counter.json?site=${encodeURIComponent(SITE)}`)).body as Record<
      string,
      unknown
    >;
    const other = (await json('/counter.json?site=https%3A%2F%2Fother.example')).body as Record<
      string,
      unknown
    >;
    // The one match went to the volunteer polling as a page of SITE: it counts there, rounded down to 0.
    const day = new Date().toISOString().slice(0, 10);
    assert.deepEqual(other, { v: 1, site: 'https://other.example', day, helped: 0, rounded: false });
    assert.deepEqual(mine, { v: 1, site: SITE, day, helped: 0, rounded: true });
    assert.ok(matches >= 1);
    const svg = await fetch(new URL(`/counter.svg?site=${encodeURIComponent(SITE)}`, base));
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(await svg.text(), /Fewer than 10 people helped through this site today/);
    const bad = await json('/counter.json?site=https%3A%2F%2Fnews.example%2Fpath');
    assert.equal(bad.status, 400);
    assert.match(String((bad.body as { message: string }).message), /page origin/);
  });

  test('counts are rounded down and start again each UTC day (NetworkMap)', () => {
    assert.deepEqual([0, 9, 10, 19, 99, 100, 149, 1234].map(roundHelped), [0, 0, 10, 10, 90, 100, 140, 1200]);
    let now = Date.parse('2026-12-02T23:59:00Z');
    const map = new NetworkMap({}, () => now);
    for (let i = 0; i < 12; i++) map.matched('all', SITE);
    assert.deepEqual(map.siteCount(SITE), { v: 1, site: SITE, day: '2026-12-02', helped: 10, rounded: true });
    now += 2 * 60_000;
    assert.deepEqual(map.siteCount(SITE), { v: 1, site: SITE, day: '2026-12-03', helped: 0, rounded: false });
    assert.equal(map.snapshot().totals.matchesToday, 0);
  });

  test('a region source names addresses by their block, first match first; bad blocks are refused', () => {
    const regionOf = regionSource([
      { cidr: '198.18.0.0/15', region: 'Lab' },
      { cidr: '198.18.1.0/24', region: 'Never - the block above wins' },
      { cidr: '2001:db8::/32', region: 'Docs' },
    ]);
    assert.equal(regionOf('198.19.4.4'), 'Lab');
    assert.equal(regionOf('198.18.1.1'), 'Lab');
    assert.equal(regionOf('::ffff:198.18.1.1'), 'Lab');
    assert.equal(regionOf('2001:db8::1'), 'Docs');
    assert.equal(regionOf('203.0.113.1'), undefined);
    assert.equal(regionOf('not an address'), undefined);
    assert.throws(() => regionSource([{ cidr: '10.0.0.0/33', region: 'x' }]), /block 1: "10.0.0.0\/33"/);
    assert.throws(
      () => regionSource([{ cidr: '10.0.0.0/8', region: '<script>' }]),
      /block 1: the region name/,
    );
  });
});
