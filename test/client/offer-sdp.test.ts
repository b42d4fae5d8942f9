import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offerForVolunteer } from '../../src/client/offer-sdp.js';

test('the offer leaves the DTLS role to the volunteer (actpass) and changes nothing else', () => {
  const sdp = 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=setup:actpass\r\na=mid:0\r\n';
  assert.equal(offerForVolunteer(sdp), sdp);
  assert.equal(offerForVolunteer('a=setup:active\r\na=mid:0\r\n'), 'a=setup:actpass\r\na=mid:0\r\n');
  assert.equal(offerForVolunteer('a=setup:passive\n'), 'a=setup:actpass\n');
  assert.equal(offerForVolunteer('a=setup:actpassive\n'), 'a=setup:actpassive\n');
});
