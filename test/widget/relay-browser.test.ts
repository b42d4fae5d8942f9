// The relay compliance suite (test/volunteer/relay-suite.ts) on the browser build of the relay core, in
// real Chromium: the page's own RTCPeerConnection, WebSocket and fetch. The suite's test ends (fake broker,
// echo egress, node-datachannel clients) stay in Node. The fake broker sends no CORS headers, so this
// browser runs with --disable-web-security; the real broker's CORS is covered by bridge.test.ts.
//   node scripts/netns.mjs node --import tsx --test test/widget/relay-browser.test.ts
import { after, before } from 'node:test';
import type { RelayEnv } from '../../src/volunteer/env.js';
import type { VolunteerOptions } from '../../src/volunteer/relay.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { type RelayUnderTest, relaySuite } from '../volunteer/relay-suite.js';
import { type BrowserRelay, browserRelayFactory } from './browser-relay.js';
import { startHostPages } from './host-page.js';

let chromium: LaunchedChromium | undefined;
let pages: Awaited<ReturnType<typeof startHostPages>> | undefined;
let makeRelay: ((options: VolunteerOptions, env: RelayEnv) => Promise<BrowserRelay>) | undefined;

before(async () => {
  chromium = await launchChromium({ args: ['--disable-web-security'] });
  pages = await startHostPages();
  const page = await chromium.context.newPage();
  await page.goto(`${pages.url}blank`);
  makeRelay = await browserRelayFactory(page);
});

after(async () => {
  await chromium?.close();
  await pages?.close();
});

/** Says only "this host has WebRTC"; the relay itself runs in the page with the page's own APIs. */
const pageEnv = (): RelayEnv => ({
  RTCPeerConnection: class {} as unknown as RelayEnv['RTCPeerConnection'],
  WebSocket: globalThis.WebSocket as unknown as RelayEnv['WebSocket'],
  fetch: globalThis.fetch,
});

relaySuite('chromium', pageEnv, (options, env): Promise<RelayUnderTest> => {
  if (makeRelay === undefined) throw new Error('the browser is not up');
  return makeRelay(options, env);
});
