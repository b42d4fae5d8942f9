/**
 * A real Starling network of separate processes (the CLI in dist/), on 127.0.0.1 with ports chosen by the
 * OS, for end-to-end tests and benchmarks. Run inside the test network namespace (scripts/netns.mjs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { type WatchedChild, watchChild } from './child.js';

export const BIN = fileURLToPath(new URL('../../bin/starling.js', import.meta.url));

export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly watched: WatchedChild;
  private readonly waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  private stopping = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    echo = process.env.STARLING_TEST_LOG === '1',
  ) {
    this.watched = watchChild(child);
    this.exited = this.watched.exited;
    // A process that dies on its own during a test says why, even without STARLING_TEST_LOG.
    child.once('exit', (code, signal) => {
      if (!this.stopping && !echo) {
        console.error(
          `[${name}] exited by itself (${code ?? signal}); its last lines:\n${this.lines.slice(-15).join('\n')}`,
        );
      }
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (echo) console.error(`[${name}] ${line}`);
        if (this.lines.length < 2000) this.lines.push(line);
        for (const w of [...this.waiters]) {
          const m = w.re.exec(line);
          if (m) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      });
    }
  }

  /** Resolves with the first line (past or future) matching `re`; rejects on exit or after `ms`. */
  waitFor(re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const m = re.exec(line);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.name}: no line matching ${re} in ${ms} ms; its last lines:\n${this.lines.slice(-12).join('\n')}`,
            ),
          ),
        ms,
      );
      this.waiters.push({
        re,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`${this.name} exited (${code}) waiting for ${re}:\n${this.lines.slice(-10).join('\n')}`),
        );
      });
    });
  }

  /** SIGTERM (graceful) or SIGKILL; resolves when the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping = true;
    await this.watched.stop(signal);
  }
}

/**
 * Tests read addresses and ports from the processes' lines, so their IP addresses are kept
 * (STARLING_LOG_ADDRESSES, `--log-addresses`); test/cli/logs.test.ts checks the scrubbed default.
 */
export const TEST_ENV = { ...process.env, STARLING_LOG_ADDRESSES: 'true' };

export function run(name: string, args: string[]): Proc {
  return new Proc(
    name,
    spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: TEST_ENV }),
  );
}

export interface NetworkOptions {
  volunteers?: number;
  paths?: number;
  /** Destinations the egress refuses (`--deny`); it allows private addresses, as the tests' target is one. */
  deny?: string[];
  /** Start the client (default true). */
  client?: boolean;
  /** More flags for the egress and the broker. */
  egressArgs?: string[];
  brokerArgs?: string[];
  /**
   * Puts something in front of the egress: given its URL, returns the URL that the broker names and the
   * volunteers relay to instead (a hostile or flaky front, in tests of what a relay may do).
   */
  front?: (egressUrl: string) => Promise<string>;
  /** Puts something in front of the broker: given its URL, returns the URL volunteers and the client use. */
  brokerFront?: (brokerUrl: string) => Promise<string>;
}

/**
 * The command line of a `starling client` on loopback: `broker`, the egress `key` (encoded), proxies on ports
 * the OS picks (SOCKS5 on `socks`), `paths` paths, ICE on 127.0.0.1, then `extra`.
 */
export function clientArgs(
  broker: string,
  key: string,
  opts: { paths?: number; socks?: string } = {},
  extra: string[] = [],
): string[] {
  return [
    'client',
    '--broker',
    broker,
    '--egress-key',
    key,
    '--socks',
    opts.socks ?? '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    '--paths',
    String(opts.paths ?? 1),
    '--ice-address',
    '127.0.0.1',
    ...extra,
  ];
}

export class Network {
  readonly dir = mkdtempSync(join(tmpdir(), 'starling-test-'));
  readonly keys = generateKeyPair();
  egress!: Proc;
  broker!: Proc;
  client: Proc | undefined;
  readonly volunteers: Proc[] = [];
  egressUrl = '';
  brokerUrl = '';
  socksPort = 0;
  httpPort = 0;
  private volunteerCount = 0;

  static async start(opts: NetworkOptions = {}): Promise<Network> {
    const net = new Network();
    try {
      await net.boot(opts);
    } catch (e) {
      await net.stop();
      throw e;
    }
    return net;
  }

  private async boot(opts: NetworkOptions): Promise<void> {
    const keyFile = join(this.dir, 'key.json');
    await writeKeyFile(keyFile, this.keys);
    this.egress = run('egress', [
      'egress',
      '--listen',
      '127.0.0.1:0',
      '--key',
      keyFile,
      '--allow-private',
      ...(opts.deny ?? []).flatMap((d) => ['--deny', d]),
      ...(opts.egressArgs ?? []),
    ]);
    const em = await this.egress.waitFor(/listening on (ws:\/\/\S+)/);
    this.egressUrl = em[1]!;
    if (opts.front) this.egressUrl = await opts.front(this.egressUrl);
    this.broker = run('broker', [
      'broker',
      '--listen',
      '127.0.0.1:0',
      '--egress',
      this.egressUrl,
      ...(opts.brokerArgs ?? []),
    ]);
    this.brokerUrl = (await this.broker.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    if (opts.brokerFront) this.brokerUrl = await opts.brokerFront(this.brokerUrl);
    await Promise.all(Array.from({ length: opts.volunteers ?? 1 }, () => this.addVolunteer()));
    if (opts.client !== false) await this.startClient(opts.paths ?? 1, encodeKey(this.keys.publicKey));
  }

  /** Starts `starling client`; its SOCKS5 proxy listens on `socks` (host:port, default: a port the OS picks). */
  /** `starling client ...` for this network: the egress key `key`, `paths` paths, ports the OS picks. */
  clientArgs(paths: number, key: string, extra: string[] = [], socks = '127.0.0.1:0'): string[] {
    return clientArgs(this.brokerUrl, key, { paths, socks }, extra);
  }

  /** Starts one more `starling client` (not `this.client`); resolves with its proxies' ports once it listens. */
  async runClient(
    name: string,
    extra: string[] = [],
    paths = 1,
    socks = '127.0.0.1:0',
  ): Promise<{ proc: Proc; socks: number; http: number }> {
    const proc = run(name, this.clientArgs(paths, encodeKey(this.keys.publicKey), extra, socks));
    const m = await proc.waitFor(/SOCKS5 proxy on [\d.]+:(\d+), HTTP proxy on [\d.]+:(\d+)/);
    return { proc, socks: Number(m[1]), http: Number(m[2]) };
  }

  /** Starts `starling client` as `this.client`; its SOCKS5 proxy listens on `socks` (default: a port the OS picks). */
  async startClient(paths: number, key: string, extra: string[] = [], socks = '127.0.0.1:0'): Promise<Proc> {
    this.client = run('client', this.clientArgs(paths, key, extra, socks));
    const m = await this.client.waitFor(/SOCKS5 proxy on [\d.]+:(\d+), HTTP proxy on [\d.]+:(\d+)/);
    this.socksPort = Number(m[1]);
    this.httpPort = Number(m[2]);
    return this.client;
  }

  async addVolunteer(extra: string[] = []): Promise<Proc> {
    this.volunteerCount += 1;
    const v = run(`volunteer-${this.volunteerCount}`, [
      'volunteer',
      '--broker',
      this.brokerUrl,
      '--allow-egress',
      this.egressUrl,
      '--ice-address',
      '127.0.0.1',
      ...extra,
    ]);
    this.volunteers.push(v);
    await v.waitFor(/waiting/);
    return v;
  }

  async stop(): Promise<void> {
    const all = [this.client, ...this.volunteers, this.broker, this.egress].filter((p): p is Proc => !!p);
    await Promise.all(all.map((p) => p.stop('SIGKILL')));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
