/**
 * The client's offer leaves the DTLS role to the volunteer (path-v1 §1): `a=setup:actpass`, as every
 * browser offers (JSEP). A browser volunteer answers `active`, so the DTLS ClientHello that enters the
 * censored network is the browser's own (docs/dtls.md); a Node volunteer answers `active` too. Since a
 * volunteer holds its checks until the client's arrive (path-v1 §1.2), its first flight follows the start
 * of the client's DTLS transport, except on a relayed path: there coturn drops the client's checks until
 * the volunteer, at the end of its hold, permits the client's address, so the volunteer connects first and
 * its ClientHello can reach a Node client before the client's ICE is connected, which can deadlock
 * node-datachannel 0.33.4 (docs/lab.md, "A deadlock in libdatachannel").
 *
 * Until 2026-12 the offer said `a=setup:active` to avoid a 1 s stall; that stall is OpenSSL's fixed
 * retransmission timer on a node-datachannel DTLS client, which a browser does not have (docs/dtls.md,
 * "Roles").
 */
export function offerForVolunteer(sdp: string): string {
  return sdp.replace(/^a=setup:(?:active|passive)(\r?)$/gm, 'a=setup:actpass$1');
}
