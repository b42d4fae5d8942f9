// The DTLS certificates the client and the Node volunteer use (src/shared/dtls-certificate.ts): Chromium's
// shape, a fresh one per peer connection. The shape compared with Chromium's own on a real connection:
// test/widget/dtls-role.test.ts.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { chromiumShapedCertificate } from '../../src/shared/dtls-certificate.js';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';

test('a certificate is CN=WebRTC, v3, self-signed, valid from a day before to 30 days after now', () => {
  const now = Date.UTC(2026, 11, 2, 4, 27, 12);
  const { certificatePem, keyPem } = chromiumShapedCertificate(now);
  const x = new X509Certificate(certificatePem);
  assert.equal(x.subject, 'CN=WebRTC');
  assert.equal(x.issuer, 'CN=WebRTC');
  assert.ok(x.checkIssued(x) && x.verify(x.publicKey), 'self-signed, and the signature checks');
  assert.equal(Date.parse(x.validFrom), now - 86_400_000);
  assert.equal(Date.parse(x.validTo), now + 30 * 86_400_000);
  assert.match(x.serialNumber, /^[89A-F][0-9A-F]{15}$/, '64 bits, the top one set');
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(keyPem.startsWith('-----BEGIN PRIVATE KEY-----'));
  const der = x.raw;
  assert.equal(der[4], 0x30, 'the TBSCertificate');
  assert.deepEqual([...der.subarray(7, 12)], [0xa0, 0x03, 0x02, 0x01, 0x02], 'an explicit version v3 first');
});

test('each peer connection has a certificate of its own, as in Chromium', async () => {
  const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });
  const fingerprints = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const pc = new RtcPeerConnection();
    try {
      pc.createDataChannel('starling/1');
      await pc.setLocalDescription(await pc.createOffer());
      await waitIceComplete(pc, 5000);
      const fp = /^a=fingerprint:sha-256 (\S+)/m.exec(localSdp(pc))?.[1];
      assert.ok(fp, 'the offer has a fingerprint');
      fingerprints.add(fp);
    } finally {
      pc.close();
    }
  }
  assert.equal(fingerprints.size, 3);
});
