/**
 * The client's offer names the client as the DTLS client (path-v1 §1): `a=setup:active` instead of the
 * usual `actpass`, so the volunteer answers `passive`.
 *
 * Why: with `actpass` the volunteer (the answerer) is the DTLS client and sends its ClientHello the moment
 * its own ICE check succeeds, which is often just before the client's ICE has selected the pair; that first
 * flight is then lost and OpenSSL resends it only after its fixed 1 s timer. Between two node-datachannel
 * peers this cost 1 s on about one data-channel open in five (docs/benchmarks.md); with the client as DTLS
 * client, whose ICE completes last, none in 60. node-datachannel and Chromium both answer such an offer with
 * `passive`.
 */
export function offerAsDtlsClient(sdp: string): string {
  return sdp.replace(/^a=setup:actpass(\r?)$/gm, 'a=setup:active$1');
}
