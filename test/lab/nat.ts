/**
 * The NAT kinds of the lab's routers, as iptables rules for a router namespace with devices `wan` (to the
 * internet) and `lan` (to its host). docs/lab.md shows what each does, measured.
 *
 * - `none`: no router; the host has a public address on its wire.
 * - `cone`: MASQUERADE, which keeps the host's source port where it can, so one mapping serves every
 *   destination (endpoint-independent mapping); conntrack lets in only replies from the address and port a
 *   packet went to (port-restricted filtering).
 * - `symmetric`: MASQUERADE --random-fully, a new mapping (random port) for each destination.
 *
 * Either router drops unsolicited inbound packets on its WAN side (INPUT and FORWARD accept only
 * ESTABLISHED,RELATED), as home routers do. Without that, a peer's early connectivity check makes a confirmed
 * conntrack entry, the host's later outgoing mapping must change port, and hole punching fails: a lab
 * artefact (../../docs/lab.md).
 */
export const NAT_KINDS = ['none', 'cone', 'symmetric'] as const;
export type NatKind = (typeof NAT_KINDS)[number];

/** The iptables-restore input for a router of `kind` (not `none`). */
export function routerRules(kind: Exclude<NatKind, 'none'>): string {
  const masquerade = kind === 'symmetric' ? 'MASQUERADE --random-fully' : 'MASQUERADE';
  return [
    '*nat',
    `-A POSTROUTING -o wan -j ${masquerade}`,
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    '-A INPUT -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A INPUT -i wan -j DROP',
    '-A FORWARD -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A FORWARD -i wan -j DROP',
    'COMMIT',
    '',
  ].join('\n');
}
