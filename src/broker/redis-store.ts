/**
 * SignalingStore (src/broker/store.ts) on Redis: several broker instances behind a load balancer share one
 * pool, so a volunteer long-polling instance A is matched with a client posting to instance B
 * (signaling-v1 §7, "With several broker instances"). Every state change is one Lua script
 * (src/broker/redis-scripts.ts, which also draws the key layout); every key has a lifetime, so a crashed
 * instance leaves nothing behind for long, and its waiting volunteers are dropped once its liveness key
 * lapses (`instanceTtlMs`).
 *
 * Waits are local promises: a claim or an answer pushes a short wake-up (`w:<pollId>`, `s:<offerId>`) to
 * the waiting instance's mailbox, which that instance reads with BLPOP on its own connection
 * (src/broker/redis-connection.ts), then it reads the result with a script. Two Redis connections per
 * instance in all. `listWaiting` returns the best `listLimit` volunteers of each NAT class of one pool
 * (public, or one pairing pool: signaling-v1 §8) by the matcher's order, not the whole pool, so a match
 * reads a bounded amount whatever the pool size.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  BROKER_DEFAULTS,
  REDIS_STORE_DEFAULTS,
  type RedisStoreLimits,
  withDefaults,
} from '../shared/limits.js';
import { SignalingError } from '../signaling/errors.js';
import { NAT_CLASSES, randomId } from '../signaling/fields.js';
import type { DeliveredOffer } from '../signaling/messages.js';
import { PUBLIC_POOL } from './keys.js';
import { poolKeyOf } from './matcher.js';
import { AnswerWaits } from './redis-answers.js';
import { Mailbox, openRedis, storeError } from './redis-connection.js';
import { RedisOutcomes } from './redis-outcomes.js';
import { parseOffer, parseVolunteer, poolOf, poolScore } from './redis-records.js';
import { type RedisScript, SCRIPTS } from './redis-scripts.js';
import type { AnswerOutcome, SignalingStore, WaitingVolunteer } from './store.js';

export interface RedisStoreOptions extends Partial<RedisStoreLimits> {
  /** The Redis server, `redis://[user:password@]host:port/[db]` or `rediss://...` for TLS. */
  url: string;
  /** Volunteers waiting across all instances. @default BROKER_DEFAULTS.maxWaitingVolunteers */
  maxWaitingVolunteers?: number;
  /** Offers awaiting an answer across all instances. @default BROKER_DEFAULTS.maxPendingOffers */
  maxPendingOffers?: number;
  /** Polls of one source waiting, across all instances. @default BROKER_DEFAULTS.maxWaitingPerSource */
  maxWaitingPerSource?: number;
  /** Offers of one source pending, across all instances. @default BROKER_DEFAULTS.maxPendingPerSource */
  maxPendingPerSource?: number;
  /**
   * Background Redis failures (lost connection, mailbox read errors), reported once per outage; requests
   * meanwhile fail with 503 `unavailable`. @default console.error
   */
  onError?: (err: unknown) => void;
}

type Settings = RedisStoreLimits & {
  maxWaitingVolunteers: number;
  maxPendingOffers: number;
  maxWaitingPerSource: number;
  maxPendingPerSource: number;
};

interface PollWait {
  /** Ends the wait: leaves the pool, or takes the offer a claim handed over. Idempotent. */
  end(): void;
  /** Settles once the wait has ended (or its poll never joined). */
  readonly ended: Promise<unknown>;
}

/** Read through a function: TypeScript would keep an earlier check's narrowing across an await. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

export class RedisStore implements SignalingStore {
  /** This instance's id in Redis (liveness key and mailbox); random per store. */
  readonly instanceId = randomId();
  readonly #commands: Redis;
  readonly outcomes: RedisOutcomes;
  readonly #opts: Settings;
  readonly #onError: (err: unknown) => void;
  readonly #polls = new Map<string, PollWait>();
  readonly #answers: AnswerWaits;
  readonly #mailbox: Mailbox;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #secret: Uint8Array = new Uint8Array(0);
  #healthy = true;
  #closed = false;

  /** Connects to Redis; rejects with a clear Error if the URL is bad or Redis cannot be reached. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const defaults: Settings = {
      ...REDIS_STORE_DEFAULTS,
      maxWaitingVolunteers: BROKER_DEFAULTS.maxWaitingVolunteers,
      maxPendingOffers: BROKER_DEFAULTS.maxPendingOffers,
      maxWaitingPerSource: BROKER_DEFAULTS.maxWaitingPerSource,
      maxPendingPerSource: BROKER_DEFAULTS.maxPendingPerSource,
    };
    const opts = withDefaults<Settings>(defaults, options);
    if (opts.instanceTtlMs <= opts.heartbeatIntervalMs) {
      throw new Error('instanceTtlMs must exceed heartbeatIntervalMs');
    }
    const { commands, blocking } = await openRedis(options.url, opts);
    const store = new RedisStore(commands, blocking, opts, options.onError ?? console.error);
    try {
      await store.#beat();
    } catch (err) {
      await store.close();
      throw new Error(`Redis refused the first write: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  private constructor(commands: Redis, blocking: Redis, opts: Settings, onError: (err: unknown) => void) {
    this.#commands = commands;
    this.outcomes = new RedisOutcomes(commands, opts.keyPrefix);
    this.#opts = opts;
    this.#onError = onError;
    const report = (err: unknown): void => this.#report(err);
    this.#answers = new AnswerWaits((offerId, mode) => this.#run(SCRIPTS.take, [offerId, mode]), report);
    commands.on('error', report);
    blocking.on('error', report);
    commands.on('ready', () => {
      this.#healthy = true;
    });
    this.#mailbox = new Mailbox(blocking, this.#key(`m:${this.instanceId}`), (m) => this.#onMessage(m), {
      blockMs: opts.mailboxBlockMs,
      graceMs: opts.commandTimeoutMs,
      retryMs: opts.mailboxRetryMs,
      onError: report,
    });
    this.#heartbeat = setInterval(() => {
      this.#beat().catch(report);
    }, opts.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  /** signaling-v1 §1: the deployment secret shared through Redis (renewed, and re-read, by every heartbeat). */
  get secret(): Uint8Array {
    return this.#secret;
  }

  async counts(): Promise<{ waiting: number; pending: number }> {
    const [waiting, pending] = await Promise.all([
      this.#commands.zcard(this.#key('w')),
      this.#commands.zcard(this.#key('q')),
    ]);
    return { waiting, pending };
  }

  async waitForOffer(
    volunteer: WaitingVolunteer,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<DeliveredOffer | null> {
    if (this.#closed) throw new SignalingError('unavailable', 'broker is closing');
    if (signal?.aborted === true) return null;
    const { id, pollId } = volunteer;
    let settle: (offer: DeliveredOffer | null) => void = () => {};
    const result = new Promise<DeliveredOffer | null>((resolve) => (settle = resolve));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ending = false;
    const finish = (offer: DeliveredOffer | null): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wait.end);
      if (this.#polls.get(pollId) === wait) this.#polls.delete(pollId);
      settle(offer);
    };
    const wait: PollWait = {
      end: () => {
        if (ending) return;
        ending = true;
        this.#run(SCRIPTS.leave, [id, pollId]).then(
          (raw) => {
            const offer = typeof raw === 'string' ? parseOffer(raw) : null;
            if (offer !== null && this.#closed) {
              void this.cancelOffer(offer.id);
              finish(null);
            } else finish(offer);
          },
          (err: unknown) => {
            this.#report(err);
            finish(null);
          },
        );
      },
      ended: result,
    };
    this.#polls.set(pollId, wait);
    let joined: unknown;
    try {
      joined = await this.#run(SCRIPTS.join, this.#joinArgs(volunteer, timeoutMs));
    } catch (err) {
      finish(null);
      throw err;
    }
    if (joined !== 1) {
      finish(null);
      throw new SignalingError(
        'overloaded',
        joined === -2 ? 'too many volunteers waiting from this address' : 'too many volunteers waiting',
      );
    }
    timer = setTimeout(wait.end, timeoutMs);
    signal?.addEventListener('abort', wait.end, { once: true });
    if (aborted(signal) || this.#closed) wait.end();
    return result;
  }

  async listWaiting(egress: string, pool: string = PUBLIC_POOL): Promise<WaitingVolunteer[]> {
    const pools = NAT_CLASSES.map((nat) => poolOf(egress, nat, pool));
    const raw = await this.#run(SCRIPTS.list, [this.#opts.listLimit, ...pools]);
    const out: WaitingVolunteer[] = [];
    if (Array.isArray(raw)) {
      for (const item of raw) {
        const volunteer = typeof item === 'string' ? parseVolunteer(item) : null;
        if (volunteer !== null && poolKeyOf(volunteer) === pool && volunteer.egress.includes(egress))
          out.push(volunteer);
      }
    }
    return out;
  }

  /** Issues the claim script before its first await (BrokerService's matching turn relies on that). */
  async claim(
    volunteer: WaitingVolunteer,
    offer: DeliveredOffer,
    answerTimeoutMs: number,
    clientSource: string,
  ): Promise<boolean> {
    if (this.#closed) throw new SignalingError('unavailable', 'broker is closing');
    if (this.#answers.has(offer.id)) return false;
    this.#answers.reserve(offer.id);
    let claimed: unknown;
    try {
      claimed = await this.#run(SCRIPTS.claim, [
        volunteer.id,
        volunteer.pollId,
        offer.id,
        JSON.stringify(offer),
        answerTimeoutMs,
        answerTimeoutMs + this.#opts.expirySlackMs,
        this.#opts.maxPendingOffers,
        this.instanceId,
        this.#opts.mailboxTtlMs,
        clientSource,
        this.#opts.maxPendingPerSource,
      ]);
    } catch (err) {
      this.#answers.drop(offer.id);
      throw err;
    }
    if (claimed !== 1) {
      this.#answers.drop(offer.id);
      if (claimed === -1) throw new SignalingError('overloaded', 'too many offers pending');
      if (claimed === -2) throw new SignalingError('overloaded', 'too many offers pending from this address');
      return false;
    }
    this.#answers.start(offer.id, answerTimeoutMs);
    return true;
  }

  async waitAnswer(offerId: string, signal?: AbortSignal): Promise<AnswerOutcome> {
    return this.#answers.wait(offerId, signal);
  }

  async deliverAnswer(offerId: string, sdp: string): Promise<boolean> {
    return (await this.#run(SCRIPTS.answer, [offerId, sdp, this.#opts.mailboxTtlMs])) === 1;
  }

  async cancelOffer(offerId: string): Promise<void> {
    try {
      await this.#run(SCRIPTS.cancel, [offerId, this.#opts.mailboxTtlMs]);
    } catch (err) {
      // The offer still ends: the client's instance times it out, and Redis forgets it.
      this.#report(err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const wait of [...this.#polls.values()]) wait.end();
    await this.#answers.cancelAll();
    await this.#drainPolls();
    await this.#commands.del(this.#key(`i:${this.instanceId}`)).catch(() => undefined);
    await this.#mailbox.stop();
    await this.#commands.quit().catch(() => this.#commands.disconnect());
  }

  /** Waits (bounded by the command timeout) until every poll this instance held has ended. */
  async #drainPolls(): Promise<void> {
    if (this.#polls.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([...this.#polls.values()].map((wait) => wait.ended)),
      new Promise((resolve) => (timer = setTimeout(resolve, this.#opts.commandTimeoutMs))),
    ]);
    clearTimeout(timer);
  }

  #joinArgs(v: WaitingVolunteer, timeoutMs: number): (string | number)[] {
    const pools = v.egress.map((egress) => poolOf(egress, v.nat, v.pool)).join(' ');
    const slack = this.#opts.expirySlackMs;
    return [
      v.id,
      v.pollId,
      this.instanceId,
      pools,
      JSON.stringify(v),
      poolScore(v),
      timeoutMs + slack,
      timeoutMs + 2 * slack,
      this.#opts.maxWaitingVolunteers,
      this.#opts.mailboxTtlMs,
      this.#opts.pruneBatch,
      v.source,
      this.#opts.maxWaitingPerSource,
    ];
  }

  /** A wake-up from the mailbox: `w:<pollId>` (claimed or replaced) or `s:<offerId>` (settled). */
  #onMessage(message: string): void {
    const rest = message.slice(2);
    if (message.startsWith('w:')) this.#polls.get(rest)?.end();
    else if (message.startsWith('s:')) void this.#answers.read(rest, 'peek');
  }

  /** Liveness, and the deployment secret: renewed, or made when Redis has none (then every instance adopts it). */
  async #beat(): Promise<void> {
    const candidate = randomBytes(32).toString('base64url');
    const [, secret] = await Promise.all([
      this.#commands.set(this.#key(`i:${this.instanceId}`), '1', 'PX', this.#opts.instanceTtlMs),
      this.#run(SCRIPTS.secret, [candidate, this.#opts.secretTtlMs]),
    ]);
    if (typeof secret !== 'string' || secret.length < 43) throw new Error('Redis holds no usable secret');
    if (Buffer.from(this.#secret).toString('base64url') !== secret) {
      this.#secret = new Uint8Array(Buffer.from(secret, 'base64url'));
    }
  }

  #key(name: string): string {
    return this.#opts.keyPrefix + name;
  }

  async #run(script: RedisScript, args: readonly (string | number)[]): Promise<unknown> {
    try {
      const result = await script.run(this.#commands, [this.#opts.keyPrefix, ...args]);
      this.#healthy = true;
      return result;
    } catch (err) {
      throw storeError(err);
    }
  }

  /** Reports a background failure once per outage. */
  #report(err: unknown): void {
    if (!this.#healthy || this.#closed) return;
    this.#healthy = false;
    this.#onError(err);
  }
}
