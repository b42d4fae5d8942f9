/**
 * Connections of the Redis store (src/broker/redis-store.ts). A broker instance keeps exactly two, whatever
 * the number of long polls it holds: one for commands and scripts (requests share it, pipelined), and one
 * that reads the instance's mailbox with a blocking pop. A connection per blocked poll would need one
 * Redis client per idle volunteer (10 000 by default, Redis's own default `maxclients`), so every blocked
 * wait here is a local promise, woken by a message in the mailbox naming its poll or offer.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisStoreLimits } from '../shared/limits.js';
import { SignalingError } from '../signaling/errors.js';

/** Redis answers that mean "not now" rather than a bug in a script. */
const TRANSIENT_REPLY = /^(OOM|LOADING|READONLY|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/** Lost connections and busy servers become 503 `unavailable`; a script error stays a bug (500). */
export function storeError(err: unknown): unknown {
  if (err instanceof SignalingError) return err;
  if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) return err;
  return new SignalingError('unavailable', 'the signaling store is unreachable', { cause: err });
}

export type RedisConnectLimits = Pick<
  RedisStoreLimits,
  'connectTimeoutMs' | 'commandTimeoutMs' | 'maxRetriesPerRequest' | 'reconnectStepMs' | 'reconnectMaxMs'
>;

/** Checks a `redis:` / `rediss:` URL; throws an Error saying what is wrong. */
export function checkRedisUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a URL: ${text}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`must be a redis:// or rediss:// URL: ${redactUrl(url)}`);
  }
  if (url.hostname === '') throw new Error(`names no host: ${redactUrl(url)}`);
  if (!/^\/?\d*$/.test(url.pathname))
    throw new Error(`the path must be a database number: ${redactUrl(url)}`);
  return url;
}

/** The URL without its password, for messages. */
export function redactUrl(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/**
 * Opens the command and mailbox connections; rejects with a clear Error when Redis is unreachable within
 * connectTimeoutMs (both connections are closed then).
 */
export async function openRedis(
  text: string,
  limits: RedisConnectLimits,
): Promise<{ commands: Redis; blocking: Redis }> {
  const url = checkRedisUrl(text);
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: limits.connectTimeoutMs,
    commandTimeout: limits.commandTimeoutMs,
    maxRetriesPerRequest: limits.maxRetriesPerRequest,
    retryStrategy: (times) => Math.min(times * limits.reconnectStepMs, limits.reconnectMaxMs),
  };
  const commands = new Redis(url.href, options);
  // No client-side timeout on the mailbox connection: ioredis would resolve a late BLPOP with null and drop
  // the message Redis popped for it. The Mailbox watchdog reconnects instead.
  const blocking = commands.duplicate({ commandTimeout: undefined });
  let lastError: unknown;
  const note = (err: unknown): void => {
    lastError = err;
  };
  commands.on('error', note);
  blocking.on('error', note);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${limits.connectTimeoutMs} ms`)),
      limits.connectTimeoutMs,
    );
  });
  try {
    await Promise.race([Promise.all([commands.connect(), blocking.connect()]), deadline]);
    await Promise.race([commands.ping(), deadline]);
  } catch (err) {
    commands.disconnect();
    blocking.disconnect();
    const detail = lastError instanceof Error ? lastError.message : String(err);
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${detail}`, { cause: err });
  } finally {
    clearTimeout(timer);
    commands.off('error', note);
    blocking.off('error', note);
  }
  return { commands, blocking };
}

export interface MailboxOptions {
  /** Longest single BLPOP, ms. */
  blockMs: number;
  /** A BLPOP not answered within blockMs + this is taken for a dead connection, which is reopened, ms. */
  graceMs: number;
  /** Pause after an error before reading again, ms. */
  retryMs: number;
  onError: (err: unknown) => void;
}

/** Reads one list key with BLPOP in a loop and hands each message to `onMessage`, until stopped. */
export class Mailbox {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #onMessage: (message: string) => void;
  readonly #opts: MailboxOptions;
  #stopped = false;
  #wake: (() => void) | undefined;
  readonly #done: Promise<void>;

  constructor(redis: Redis, key: string, onMessage: (message: string) => void, options: MailboxOptions) {
    this.#redis = redis;
    this.#key = key;
    this.#onMessage = onMessage;
    this.#opts = options;
    this.#done = this.#loop();
  }

  /** Stops reading and closes the connection. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    this.#redis.disconnect();
    await this.#done;
  }

  async #loop(): Promise<void> {
    const seconds = Math.max(this.#opts.blockMs / 1000, 0.01);
    while (!this.#stopped) {
      const watchdog = setTimeout(
        () => this.#redis.disconnect(true),
        this.#opts.blockMs + this.#opts.graceMs,
      );
      try {
        const popped = await this.#redis.blpop(this.#key, seconds);
        if (popped !== null) this.#onMessage(popped[1]);
      } catch (err) {
        if (this.#stopped) return;
        this.#opts.onError(err);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#opts.retryMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      } finally {
        clearTimeout(watchdog);
      }
    }
  }
}
