/**
 * Matching (signaling-v1 §7): plain code, no I/O, the same for every store.
 */
import type { NatClass } from '../signaling/fields.js';
import { PUBLIC_POOL } from './keys.js';
import type { WaitingVolunteer } from './store.js';

/** What the matcher needs to know about a client's offer. `egress` is normalized and already resolved. */
export interface ClientRequest {
  readonly nat: NatClass;
  readonly egress: string;
  readonly exclude: readonly string[];
  /** The pool key (signaling-v1 §8): the broker's name of the client's pairing tag. @default PUBLIC_POOL */
  readonly pool?: string;
}

/** signaling-v1 §8: the pool key of a volunteer or a request; absent is the public pool. */
export function poolKeyOf(x: { readonly pool?: string }): string {
  return x.pool ?? PUBLIC_POOL;
}

/** signaling-v1 §7: two restricted NATs cannot reach each other; every other pair can (or may). */
export function natCompatible(volunteer: NatClass, client: NatClass): boolean {
  return !(volunteer === 'restricted' && client === 'restricted');
}

/** signaling-v1 §7, §8: the same pool, egress on the allow-list, not excluded, NAT classes compatible. */
export function fits(volunteer: WaitingVolunteer, req: ClientRequest): boolean {
  return (
    poolKeyOf(volunteer) === poolKeyOf(req) &&
    volunteer.egress.includes(req.egress) &&
    !req.exclude.includes(volunteer.id) &&
    natCompatible(volunteer.nat, req.nat)
  );
}

/**
 * signaling-v1 §7: among fitting volunteers, the one whose poll has waited longest. Nothing a volunteer
 * declares about itself counts, so more clients take more waiting polls, which per-source shares bound.
 */
export function chooseVolunteer(
  candidates: readonly WaitingVolunteer[],
  req: ClientRequest,
): WaitingVolunteer | undefined {
  let best: WaitingVolunteer | undefined;
  for (const v of candidates) {
    if (fits(v, req) && (best === undefined || v.since < best.since)) best = v;
  }
  return best;
}
