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
