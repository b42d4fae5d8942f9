/**
 * The client's side of pairing (signaling-v1 §8): an offer goes to the friend's pool first, and to the
 * public pool when no friend is waiting, unless the client is paired only. The broker never falls back on
 * its own: a tagged offer matches only that tag's volunteers.
 */
import { type BrokerClient, SignalingError } from '../signaling/client.js';

export type OfferBroker = Pick<BrokerClient, 'offer'> & Partial<Pick<BrokerClient, 'outcome'>>;
type Offer = Parameters<OfferBroker['offer']>[0];
type Answer = Awaited<ReturnType<OfferBroker['offer']>>;

export interface ClientPairing {
  /** The pairing tag (src/signaling/pairing.ts `pairingTag`), never the code. */
  readonly tag: string;
  /** Never use the public pool: wait for the friend instead. @default false */
  readonly only: boolean;
}

/**
 * One match: with `pairing`, the friend's pool first, then (not `only`) the public one on `no-match`. Any
 * other refusal (rate limit, timeout, overload) is thrown as it is, since the public pool would fare no
 * better. A paired-only answer that the broker does not mark as paired (a broker that ignores the tag) is
 * refused, so a stranger never passes for a friend.
 */
export async function offerPairedFirst(
  broker: OfferBroker,
  offer: Omit<Offer, 'pairing'>,
  pairing: ClientPairing | undefined,
  signal?: AbortSignal,
): Promise<Answer> {
  if (pairing === undefined) return broker.offer(offer, signal);
  let answer: Answer;
  try {
    answer = await broker.offer({ ...offer, pairing: pairing.tag }, signal);
  } catch (error) {
    if (!(error instanceof SignalingError) || error.code !== 'no-match') throw error;
    if (!pairing.only) return broker.offer(offer, signal);
    // A paired volunteer waits but cannot reach this network (signaling-v1 §6): the broker's words say so.
    const why = /reachable/.test(error.message)
      ? `paired only: ${error.message}`
      : 'no paired volunteer is waiting (paired only)';
    throw new SignalingError('no-match', why, {
      status: error.status,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
  if (pairing.only && answer.paired !== true) {
    throw new SignalingError('bad-response', 'the broker matched a volunteer that is not paired');
  }
  return answer;
}
