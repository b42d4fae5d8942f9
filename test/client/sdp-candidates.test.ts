/**
 * Issue 9, finding 10: the client's offer carries no LAN or global host address unless the user opts in.
 * A real libdatachannel offer gathered on every interface of the test's network namespace.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { withoutHostCandidates } from '../../src/client/sdp-candidates.js';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { closeNodeWebRtc, nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';

after(() => closeNodeWebRtc());

const hostAddresses = (sdp: string): string[] =>
  [...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ host/gm)].map((m) => m[1]!);

test('host candidates are left out of a real offer but loopback and the bound address; others stay', async () => {
  const pc = new (nodeRtcPeerConnectionClass({}))({ iceServers: [] });
  try {
    pc.createDataChannel('x');
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceComplete(pc, 3000);
    const sdp = localSdp(pc);
    const hosts = hostAddresses(sdp);
    const lan = hosts.filter((a) => a !== '::1' && !a.startsWith('127.'));
    assert.ok(lan.length > 0, `libdatachannel offers this namespace's addresses: ${hosts.join(', ')}`);
    assert.deepEqual(
      hostAddresses(withoutHostCandidates(sdp)).filter((a) => lan.includes(a)),
      [],
    );
    assert.deepEqual(hostAddresses(withoutHostCandidates(sdp, [lan[0]!])), [lan[0]!]);
    const srflx = 'a=candidate:2 1 UDP 1686052607 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0';
    const withSrflx = sdp.replace(/(a=candidate:[^\r\n]*\r?\n)/, `$1${srflx}\r\n`);
    assert.ok(withoutHostCandidates(withSrflx).includes(srflx), 'server-reflexive candidates stay');
    assert.equal(
      withoutHostCandidates(sdp).replace(/^a=candidate:.*\r?\n/gm, ''),
      sdp.replace(/^a=candidate:.*\r?\n/gm, ''),
      'nothing but candidate lines changes',
    );
  } finally {
    pc.close();
  }
});
