/**
 * Debian's coturn (`turnserver`) in the lab's internet: STUN and TURN on two addresses (RFC 5780's
 * behaviour tests need a second address and port), with the TURN REST API's shared secret
 * (`use-auth-secret`): a client's username is `expiry:tag` and its password base64(HMAC-SHA1(secret,
 * username)), so only short-lived credentials ever leave the operator. No configuration file from /etc, no
 * daemon, the log on stdout, its database and pid file in a directory of its own.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Proc } from '../helpers/network.js';
import { type Lab, SERVER_ADDRESSES } from './lab.js';

export interface TurnOptions {
  /** Its STUN/TURN port on both addresses; RFC 5780's alternate port is the next one. @default 3478 */
  port?: number;
  /** The shared secret. @default 32 random hex digits */
  secret?: string;
}

export interface TurnCredentials {
  username: string;
  credential: string;
}

/**
 * Credentials for coturn's shared-secret scheme: valid until `ttlSeconds` after `nowMs` (negative: already
 * expired), `tag` naming the user for the log.
 */
export function turnCredentials(
  secret: string,
  {
    tag = 'lab',
    ttlSeconds = 3600,
    nowMs = Date.now(),
  }: { tag?: string; ttlSeconds?: number; nowMs?: number } = {},
): TurnCredentials {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${tag}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

export interface TurnServer {
  /** Its two addresses: RFC 5780's primary and alternate. */
  readonly addresses: readonly [string, string];
  readonly port: number;
  readonly altPort: number;
  readonly secret: string;
  readonly proc: Proc;
  /** `stun:` URLs, one per address. */
  readonly stunUrls: readonly string[];
  /** ICE servers as a browser or the broker would take them: STUN on the first address, TURN (UDP) on it. */
  iceServers(opts?: { turn?: TurnCredentials; stun?: boolean }): RTCIceServer[];
}

/** Starts coturn in `lab`'s internet on its first two server addresses; it stops with the lab. */
export async function startTurn(lab: Lab, opts: TurnOptions = {}): Promise<TurnServer> {
  const port = opts.port ?? 3478;
  const altPort = port + 1;
  const secret = opts.secret ?? randomBytes(16).toString('hex');
  const addresses = [SERVER_ADDRESSES[0]!, SERVER_ADDRESSES[1]!] as const;
  const dir = mkdtempSync(join(tmpdir(), 'starling-turn-'));
  lab.atClose(() => rmSync(dir, { recursive: true, force: true }));
  const proc = lab.internet.spawn(
    [
      'turnserver',
      '-n', // no turnserver.conf from /etc: every setting is here
      '--log-file=stdout',
      '--simple-log',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--fingerprint',
      '--verbose', // also says when its listeners are open, and logs each allocation
      ...addresses.map((a) => `--listening-ip=${a}`),
      `--relay-ip=${addresses[0]}`,
      `--listening-port=${port}`,
      `--alt-listening-port=${altPort}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=lab.starling',
      `--db=${join(dir, 'turndb')}`,
      `--pidfile=${join(dir, 'turnserver.pid')}`,
    ],
    { name: 'turnserver' },
  );
  const quoted = (a: string): string => a.replaceAll('.', '\\.');
  await Promise.all([
    ...addresses.flatMap((a) =>
      [port, altPort].map((p) => proc.waitFor(new RegExp(`UDP listener opened on: ${quoted(a)}:${p}\\b`))),
    ),
    proc.waitFor(/DB connection success/), // its auth thread is ready
  ]);
  const stunUrls = addresses.map((a) => `stun:${a}:${port}`);
  return {
    addresses,
    port,
    altPort,
    secret,
    proc,
    stunUrls,
    iceServers({ turn, stun = true } = {}) {
      const servers: RTCIceServer[] = stun ? [{ urls: stunUrls[0]! }] : [];
      if (turn) servers.push({ urls: `turn:${addresses[0]}:${port}?transport=udp`, ...turn });
      return servers;
    },
  };
}
