/**
 * What the client's offer tells the broker and the volunteer about its network (issue 9, finding 10):
 * libdatachannel puts a host candidate in the SDP for every local address, LAN and global IPv6 ones
 * included. The client leaves them out unless the user opts in: server-reflexive and relay candidates
 * (from --stun) stay, and so do loopback and an address the user bound ICE to (--ice-address), which
 * they chose to use. ICE still connects to a reachable volunteer: the volunteer learns the client's
 * address from its connectivity checks (a peer-reflexive candidate), as it would anyway.
 */
import { isIP } from 'node:net';

/** RFC 8839 §5.1: `a=candidate:foundation component transport priority address port typ type ...`. */
const CANDIDATE = /^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ (\S+)/;

function isLoopback(address: string): boolean {
  return address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}

/** `sdp` without its host candidates, but those on loopback or on an address in `keep`. */
export function withoutHostCandidates(sdp: string, keep: readonly string[] = []): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(/\r?\n/)
    .filter((line) => {
      const m = CANDIDATE.exec(line);
      if (m?.[2] !== 'host') return true;
      const address = m[1]!;
      return isLoopback(address) || keep.includes(address);
    })
    .join(eol);
}
