/**
 * NAT detection on web-standard APIs (the widget and the extension; src/shared/nat-class.ts): a peer
 * connection given two STUN servers on different hosts gathers a server-reflexive candidate from each for the
 * same local socket; the same public port from both is a cone, two ports a symmetric NAT. A browser that hides
 * its host addresses (mDNS names) cannot show that it is public, so it reads as a cone at most; without any
 * server-reflexive candidate it is `unknown`.
 */
import type { NatClass } from '../signaling/fields.js';
import { classify, detectionTargets } from './nat-class.js';
import { waitIceComplete } from './webrtc.js';

/** `ip port` of each server-reflexive candidate (IPv4) and the host addresses in `sdp`. */
export function candidateMappings(sdp: string): { srflx: string[]; hosts: string[] } {
  const srflx: string[] = [];
  const hosts: string[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^a=candidate:\S+ 1 udp \d+ ([\d.]+|\S+) (\d+) typ (host|srflx)/i.exec(line);
    if (m === null) continue;
    if (m[3] === 'srflx') srflx.push(`${m[1]}:${m[2]}`);
    else hosts.push(`${m[1]}:${m[2]}`);
  }
  return { srflx, hosts };
}

/** The class the candidates in a complete `sdp` gathered with two STUN servers show. */
export function natFromCandidates(sdp: string): NatClass {
  const { srflx, hosts } = candidateMappings(sdp);
  if (srflx.length === 0) return 'unknown';
  const local = hosts.find((h) => srflx.includes(h));
  // One srflx candidate from two servers: both saw the same mapping (the engine dropped the duplicate).
  return classify(local, srflx.length === 1 ? [srflx[0], srflx[0]] : srflx);
}

/** Detects the NAT class with a throwaway peer connection; `unknown` on any failure. */
export async function detectNatWeb(
  servers: readonly RTCIceServer[],
  RTCPeerConnectionClass: { new (config?: RTCConfiguration): RTCPeerConnection },
  timeoutMs = 2000,
): Promise<NatClass> {
  const targets = detectionTargets(servers);
  if (targets.length < 2) return 'unknown';
  let pc: RTCPeerConnection | undefined;
  try {
    pc = new RTCPeerConnectionClass({
      iceServers: targets.map((t) => ({
        urls: `stun:${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`,
      })),
    });
    pc.createDataChannel('nat-probe');
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceComplete(pc, timeoutMs);
    return natFromCandidates(pc.localDescription?.sdp ?? '');
  } catch {
    return 'unknown';
  } finally {
    pc?.close();
  }
}
