/**
 * WebRTC helpers on web-standard APIs only, shared by the volunteer relay core, the client and the browser
 * builds. Signaling is not trickled (signaling-v1 intro, path-v1 §1): a description is sent once ICE
 * gathering is complete.
 */

/**
 * Resolves once `pc.iceGatheringState` is `complete`, or after `timeoutMs` (ms) with whatever candidates were
 * gathered by then: a slow or unreachable STUN server must not stall a match, and the host candidates are
 * usually all there is. Never rejects.
 */
export function waitIceComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      pc.removeEventListener('icecandidate', onCandidate);
      resolve();
    };
    const onChange = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    // Some engines signal the end of gathering only with a null candidate.
    const onCandidate = (event: RTCPeerConnectionIceEvent): void => {
      if (event.candidate === null) done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', onChange);
    pc.addEventListener('icecandidate', onCandidate);
  });
}

/** The complete local SDP after gathering; throws if the engine produced none. */
export function localSdp(pc: RTCPeerConnection): string {
  const sdp = pc.localDescription?.sdp;
  if (sdp === undefined || sdp === '') throw new Error('no local description');
  return sdp;
}

/** A remote description without its candidates, and those candidates, to add later (`addIceCandidate`). */
export interface HeldCandidates {
  sdp: string;
  candidates: RTCIceCandidateInit[];
}

/**
 * Splits the candidates (and `a=end-of-candidates`) off a complete SDP, so that a peer that sets the rest
 * sends no connectivity check of its own until the candidates are added (path-v1 §1.2: the volunteer holds
 * its checks until the client has the answer). Each candidate keeps the `a=mid` of its media section.
 */
export function holdCandidates(sdp: string): HeldCandidates {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const kept: string[] = [];
  const candidates: RTCIceCandidateInit[] = [];
  // One media section after another: its candidates get its own a=mid, wherever in it they stand.
  let section: string[] = [];
  const flush = (): void => {
    const mid = section.find((l) => l.startsWith('a=mid:'))?.slice('a=mid:'.length) ?? '0';
    for (const line of section) {
      if (line.startsWith('a=candidate:')) candidates.push({ candidate: line.slice(2), sdpMid: mid });
      else if (line !== 'a=end-of-candidates') kept.push(line);
    }
    section = [];
  };
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) flush();
    section.push(line);
  }
  flush();
  return { sdp: kept.join(eol), candidates };
}

/**
 * An `actpass` offer rewritten to `active`, so that a libdatachannel answerer answers `passive` and is the DTLS
 * server (path-v1 §1.2); the offerer, which offered `actpass`, takes the role the answer leaves it (RFC 8842
 * §5.3). libdatachannel on its own answers `actpass` with `active`.
 */
export function offerForPassiveAnswer(sdp: string): string {
  return sdp.replace(/^a=setup:actpass(\r?)$/gm, 'a=setup:active$1');
}
