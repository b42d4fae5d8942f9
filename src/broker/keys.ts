/**
 * The broker's keyed names (signaling-v1 §1, §4, §8): source keys, volunteer tickets and pairing pools, all
 * HMAC-SHA256 under the deployment's secret (`SignalingStore.secret`), so that every instance sharing a store
 * agrees on them. One subkey per use, derived from the secret, so no one kind of name can pass for another.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sourcePrefix } from '../shared/ip.js';
import { randomId } from '../signaling/fields.js';

/** signaling-v1 §8: the pool of volunteers with no pairing tag, open to every client. */
export const PUBLIC_POOL = '';

/** Characters of a volunteer id and of a ticket's MAC: 128 bits, base64url (signaling-v1 §1). */
const PART_CHARS = 22;

const mac = (key: Buffer, text: string): string =>
  createHmac('sha256', key).update(text).digest('base64url').slice(0, PART_CHARS);

export class BrokerKeys {
  readonly #sourceKey: Buffer;
  readonly #ticketKey: Buffer;
  readonly #poolKey: Buffer;
  readonly #sessionKey: Buffer;

  constructor(secret: Uint8Array) {
    if (secret.byteLength < 16) throw new RangeError('the deployment secret must have at least 16 bytes');
    const derive = (label: string) => createHmac('sha256', secret).update(label).digest();
    this.#sourceKey = derive('starling signaling-v1 source');
    this.#ticketKey = derive('starling signaling-v1 ticket');
    this.#poolKey = derive('starling signaling-v1 pairing pool');
    this.#sessionKey = derive('starling signaling-v1 tunnel session');
  }

  /** signaling-v1 §1: the key a client address counts under; the address itself is not kept. */
  source(address: string): string {
    return mac(this.#sourceKey, sourcePrefix(address));
  }

  /**
   * signaling-v1 §12: the key a tunnelled session counts under: an HMAC of the trusted egress's own source
   * key and the session id it sent, under its own subkey, so it names no address, cannot pass for an
   * address's key, and two egresses that sent the same id count apart.
   */
  tunnelSource(egressSource: string, session: string): string {
    return mac(this.#sessionKey, `${egressSource} ${session}`);
  }

  /**
   * signaling-v1 §8: the pool a pairing tag's volunteers wait in, `f` and 22 characters of an HMAC of the tag
   * (132 bits); the public pool is ''. The tag itself is never stored, so a copy of the store names no tag,
   * and another deployment (another secret) names the same tag's pool differently.
   */
  pool(pairingTag: string | undefined): string {
    return pairingTag === undefined ? PUBLIC_POOL : `f${mac(this.#poolKey, pairingTag)}`;
  }

  /** signaling-v1 §4: a new volunteer: a random id, and the ticket that proves it. */
  newVolunteer(): { id: string; ticket: string } {
    const id = randomId();
    return { id, ticket: id + mac(this.#ticketKey, id) };
  }

  /** signaling-v1 §4: the volunteer id a ticket proves, or undefined when it does not verify. */
  volunteerOf(ticket: string): string | undefined {
    if (ticket.length !== 2 * PART_CHARS) return undefined;
    const id = ticket.slice(0, PART_CHARS);
    const expected = Buffer.from(mac(this.#ticketKey, id));
    const given = Buffer.from(ticket.slice(PART_CHARS));
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }
}
