// The DTLS roles of a path with a browser volunteer (path-v1 §1, docs/dtls.md): the browser is the DTLS
// client, so the ClientHello on the wire is Chromium's own. Real node-datachannel offering as the client
// does (offerForVolunteer), real Chromium answering as the widget's relay does (a default
// RTCPeerConnection). The Node volunteer's side: test/volunteer/dtls-role.test.ts.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { offerForVolunteer } from '../../src/client/offer-sdp.js';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';

const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });

// A string, so that no transpiler helper ends up in code that runs in the page.
const PAGE_ANSWER = `async (offer) => {
  const pc = new RTCPeerConnection();
  globalThis.volunteerPeer = pc;
  pc.ondatachannel = (e) => { globalThis.volunteerOpened = new Promise((r) => { e.channel.onopen = r; }); };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((resolve) => {
    const check = () => { if (pc.iceGatheringState === 'complete') resolve(); };
    pc.onicegatheringstatechange = check;
    check();
  });
  return pc.localDescription.sdp;
}`;

// The page's DTLS role once its data channel is open, from its transport stats.
const PAGE_DTLS_ROLE = `(async () => {
  await globalThis.volunteerOpened;
  const stats = await globalThis.volunteerPeer.getStats();
  let role = 'none';
  stats.forEach((s) => { if (s.type === 'transport') role = s.dtlsRole + ' ' + s.dtlsState; });
  globalThis.volunteerPeer.close();
  return role;
})()`;

const setupOf = (sdp: string): string | undefined => /^a=setup:(\w+)/m.exec(sdp)?.[1];

/** The client's side of a path up to the answer: one channel, a complete offer as the client sends it. */
async function clientOffer(pc: RTCPeerConnection): Promise<{ offer: string; opened: Promise<unknown> }> {
  const channel = pc.createDataChannel('starling/1', { ordered: true });
  const opened = once(channel, 'open');
  await pc.setLocalDescription(await pc.createOffer());
  await waitIceComplete(pc, 5000);
  return { offer: offerForVolunteer(localSdp(pc)), opened };
}

let chromium: LaunchedChromium | undefined;
let page: Page | undefined;

before(async () => {
  chromium = await launchChromium();
  page = await chromium.context.newPage();
});

after(async () => {
  await chromium?.close();
});

test('the client offers actpass and a Chromium volunteer is the DTLS client', async () => {
  if (page === undefined) throw new Error('the browser is not up');
  const pc = new RtcPeerConnection();
  try {
    const { offer, opened } = await clientOffer(pc);
    assert.equal(setupOf(offer), 'actpass');
    const answer = (await page.evaluate(`(${PAGE_ANSWER})(${JSON.stringify(offer)})`)) as string;
    assert.equal(setupOf(answer), 'active', 'Chromium answers actpass with active');
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await opened;
    assert.equal(await page.evaluate(PAGE_DTLS_ROLE), 'client connected');
  } finally {
    pc.close();
  }
});
