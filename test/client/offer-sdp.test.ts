import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offerAsDtlsClient } from '../../src/client/offer-sdp.js';

test('the offer names the client as DTLS client and changes nothing else', () => {
  const sdp = 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=setup:actpass\r\na=mid:0\r\n';
  assert.equal(
    offerAsDtlsClient(sdp),
    'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=setup:active\r\na=mid:0\r\n',
  );
  assert.equal(
    offerAsDtlsClient('a=setup:actpass\na=setup:actpassive\n'),
    'a=setup:active\na=setup:actpassive\n',
  );
  assert.equal(offerAsDtlsClient('a=setup:passive\r\n'), 'a=setup:passive\r\n');
});
