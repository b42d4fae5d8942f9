/**
 * The client's offer leaves the DTLS role to the volunteer (path-v1 §1): `a=setup:actpass`, as every
 * browser offers (JSEP). A browser volunteer answers `active`, so the DTLS ClientHello that enters the
 * censored network is the browser's own (docs/dtls.md); a Node volunteer answers `active` too. Since a
 * volunteer holds its checks until the client's arrive (path-v1 §1.2), its first flight follows the start
 * of the client's DTLS transport.
 *
 * Until 2026-12 the offer said `a=setup:active` to avoid a 1 s stall; that stall is OpenSSL's fixed
 * retransmission timer on a node-datachannel DTLS client, which a browser does not have (docs/dtls.md,
 * "Roles").
 */
export function offerForVolunteer(sdp: string): string {
  return sdp.replace(/^a=setup:(?:active|passive)(\r?)$/gm, 'a=setup:actpass$1');
}
