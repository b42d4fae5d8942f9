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
  /** signaling-v1 §6 `relay`: the offer carries relay candidates only, so every NAT pairing can connect. */
  readonly relay?: boolean;
  /** Volunteers this client's source was matched with lately, most recent last: chosen only when no other fits. */
  readonly recent?: readonly string[];
  /** Volunteers whose matches keep failing (signaling-v1 §11): chosen only when nothing else fits. */
  readonly failing?: ReadonlySet<string>;
  /** Direct pairings (`pairingKey`) that keep failing (signaling-v1 §11): treated as unable to connect. */
  readonly failingPairings?: ReadonlySet<string>;
  /**
   * Volunteers that answered or connected lately, themselves or from their source (signaling-v1 §11): taken
   * before those with no such record, so polls that never answer cost honest clients a wait only when no
   * proven volunteer is free. Absent when the broker has no records: nobody is proven, nobody goes first.
   */
  readonly proven?: ReadonlySet<string>;
}

/** signaling-v1 §8: the pool key of a volunteer or a request; absent is the public pool. */
export function poolKeyOf(x: { readonly pool?: string }): string {
  return x.pool ?? PUBLIC_POOL;
}

/**
 * signaling-v1 §7, the reachability table measured in the lab (docs/lab.md): a direct connection (host and
 * server-reflexive candidates) works when either side is public or both are cones; a cone and a symmetric
 * NAT, or two symmetric NATs, cannot reach each other. An unknown class may be anything: it is tried.
 */
export function natCompatible(volunteer: NatClass, client: NatClass): boolean {
  if (volunteer === 'unknown' || client === 'unknown') return true;
  if (volunteer === 'public' || client === 'public') return true;
  return volunteer === 'cone' && client === 'cone';
}

/** signaling-v1 §11: the key under which outcomes of one NAT pairing are counted. */
export function pairingKey(client: NatClass, volunteer: NatClass, relay: boolean): string {
  return `${client}>${volunteer}${relay ? ':relay' : ''}`;
}

/**
 * signaling-v1 §7: how open a volunteer's NAT is, lowest first. The least open class that fits is matched
 * first, so the open ones stay free for the clients only they can reach.
 */
export function openness(nat: NatClass): number {
  return nat === 'symmetric' ? 0 : nat === 'cone' ? 1 : nat === 'unknown' ? 2 : 3;
}

/** signaling-v1 §7, §8: the same pool, egress on the allow-list, not excluded, able to connect. */
export function fits(volunteer: WaitingVolunteer, req: ClientRequest): boolean {
  return (
    poolKeyOf(volunteer) === poolKeyOf(req) &&
    volunteer.egress.includes(req.egress) &&
    !req.exclude.includes(volunteer.id) &&
    (req.relay === true ||
      (natCompatible(volunteer.nat, req.nat) &&
        req.failingPairings?.has(pairingKey(req.nat, volunteer.nat, false)) !== true))
  );
}

/** The order of signaling-v1 §7 as a tuple, compared left to right, lowest first. */
function rank(v: WaitingVolunteer, req: ClientRequest): number[] {
  return [
    req.failing?.has(v.id) === true ? 1 : 0,
    req.recent?.includes(v.id) === true ? 1 : 0,
    req.proven === undefined || req.proven.has(v.id) ? 0 : 1,
    openness(v.nat),
    v.since,
  ];
}

function before(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  }
  return false;
}

/**
 * signaling-v1 §7: among fitting volunteers, one that is not failing and was not matched with this source
 * lately, proven by its record, of the least open NAT class, whose poll has waited longest. Nothing a volunteer declares about its
 * capacity counts, so more clients take more waiting polls, which per-source shares bound.
 */
export function chooseVolunteer(
  candidates: readonly WaitingVolunteer[],
  req: ClientRequest,
): WaitingVolunteer | undefined {
  let best: WaitingVolunteer | undefined;
  let bestRank: number[] = [];
  for (const v of candidates) {
    if (!fits(v, req)) continue;
    const r = rank(v, req);
    if (best === undefined || before(r, bestRank)) {
      best = v;
      bestRank = r;
    }
  }
  return best;
}
