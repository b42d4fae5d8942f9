// The DTLS roles of a path with a browser volunteer (path-v1 §1, docs/dtls.md): the browser is the DTLS
// client, so the ClientHello on the wire is Chromium's own. Real node-datachannel offering as the client
// does (offerForVolunteer), real Chromium answering as the widget's relay does (a default
// RTCPeerConnection). The Node volunteer's side: test/volunteer/dtls-role.test.ts.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
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

// Both certificates of the page's transport once its channel is open: its own and the client's, DER base64.
const PAGE_CERTIFICATES = `(async () => {
  await globalThis.volunteerOpened;
  const stats = await globalThis.volunteerPeer.getStats();
  const byId = new Map();
  let transport;
  stats.forEach((s) => { byId.set(s.id, s); if (s.type === 'transport') transport = s; });
  globalThis.volunteerPeer.close();
  return {
    local: byId.get(transport.localCertificateId).base64Certificate,
    remote: byId.get(transport.remoteCertificateId).base64Certificate,
  };
})()`;

/** The DER tree's shape: each element's depth and tag, in order (values and lengths left out). */
function derShape(der: Buffer): string[] {
  const out: string[] = [];
  const walk = (start: number, end: number, depth: number) => {
    let at = start;
    while (at < end) {
      const tag = der[at] ?? 0;
      let len = der[at + 1] ?? 0;
      let head = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (der[at + 2 + i] ?? 0);
        head += n;
      }
      out.push(`${depth}:${tag.toString(16)}`);
      if (tag & 0x20) walk(at + head, at + head + len, depth + 1); // constructed
      at += head + len;
    }
  };
  walk(0, der.length, 0);
  return out;
}

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

test("the certificate the client shows Chromium has the shape of Chromium's own", async () => {
  if (page === undefined) throw new Error('the browser is not up');
  const pc = new RtcPeerConnection();
  try {
    const { offer, opened } = await clientOffer(pc);
    const answer = (await page.evaluate(`(${PAGE_ANSWER})(${JSON.stringify(offer)})`)) as string;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await opened;
    const certs = (await page.evaluate(PAGE_CERTIFICATES)) as { local: string; remote: string };
    const chromiums = Buffer.from(certs.local, 'base64');
    const ours = Buffer.from(certs.remote, 'base64');
    assert.deepEqual(derShape(ours), derShape(chromiums), 'the same DER structure: v3, no extensions');
    const [a, b] = [new X509Certificate(ours), new X509Certificate(chromiums)];
    assert.equal(a.subject, b.subject);
    assert.equal(a.issuer, b.issuer);
    assert.equal(a.serialNumber.length, b.serialNumber.length);
    const span = (x: X509Certificate) => Date.parse(x.validTo) - Date.parse(x.validFrom);
    assert.equal(span(a), span(b), 'valid for as long');
    assert.ok(Math.abs(Date.parse(a.validFrom) - Date.parse(b.validFrom)) < 3_600_000, 'from the same time');
    assert.equal(a.publicKey.asymmetricKeyDetails?.namedCurve, b.publicKey.asymmetricKeyDetails?.namedCurve);
  } finally {
    pc.close();
  }
});
