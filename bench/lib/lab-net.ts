/**
 * A Starling network inside the network lab (test/lab/, docs/lab.md), for bench/lab.ts: the egress, the
 * broker and the target servers on the lab's internet, each volunteer on its own host with a capped uplink,
 * and client hosts with delay (and loss) on their wire. Every host has a public address (NAT traversal is
 * not what these figures measure). Processes in the lab are reached over IPC (./lab-driver.ts) or by what
 * they print, since this process lives in another network namespace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { BIN, type Proc, TEST_ENV } from '../../test/helpers/network.js';
import { Lab, type LabHost, type LabNode } from '../../test/lab/lab.js';
import { run } from '../../test/lab/sh.js';
import type { WireOptions } from '../../test/lab/wire.js';

export const EGRESS = '198.18.0.3:8701';
export const BROKER = '198.18.0.4:8702';
/** The lab's web: the raw TCP target of ./tcp-target.ts and the page server of ./lab-servers.ts. */
export const TARGET = { host: '198.18.0.5', tcpPort: 7000, httpPort: 8000 } as const;
/** The raw TCP target on each volunteer's host, for TCP over the same uplink. */
export const VOLUNTEER_TCP_PORT = 7001;

export interface LabNetOptions {
  volunteers: number;
  /** The volunteers' wires (their uplink cap). */
  volunteerWire: WireOptions;
  /** Client hosts by name, with their wires. */
  clients: Record<string, WireOptions>;
  /**
   * Turn off segmentation and receive offloads (GSO, TSO, GRO) on every device of the lab. With them on,
   * a TCP sender's super-packet of up to 64 KB passes the wire's loss rule as one packet, so TCP sees a
   * fraction of the configured loss (docs/benchmarks.md, "Loss"). @default true
   */
  offloadsOff?: boolean;
}

export interface LabClient {
  proc: Proc;
  socksPort: number;
  httpPort: number;
}

type Reply = Record<string, unknown> & { id?: number; event?: string; error?: string };

/** A ./lab-driver.ts process in a client host. */
export class Driver {
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void; onEvent?: (e: string) => void }
  >();

  private constructor(readonly proc: Proc) {
    proc.child.on('message', (m: Reply) => {
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      if (m.event !== undefined) p.onEvent?.(m.event);
      else {
        this.pending.delete(m.id!);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m);
      }
    });
    void proc.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error('lab driver exited'));
      this.pending.clear();
    });
  }

  static async start(host: LabHost): Promise<Driver> {
    const proc = host.node('bench/lib/lab-driver.ts', [], { ipc: true, name: 'driver' });
    await new Promise<void>((resolve, reject) => {
      proc.child.once('message', () => resolve());
      void proc.exited.then(() => reject(new Error(`lab driver exited: ${proc.lines.slice(-5).join('\n')}`)));
    });
    return new Driver(proc);
  }

  request<T extends Reply>(req: Record<string, unknown>, onEvent?: (event: string) => void): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: Reply) => void, reject, onEvent });
      this.proc.child.send({ ...req, id });
    });
  }
}

export interface DownloadResult {
  ms: number;
  firstByteMs: number;
  maxGapMs: number;
  markGapMs: number;
}

export class LabNet {
  readonly dir = mkdtempSync(join(tmpdir(), 'starling-lab-bench-'));
  readonly keys = generateKeyPair();
  readonly volunteerHosts: LabHost[] = [];
  /** The running volunteer of each volunteer host (by host name). */
  readonly volunteers = new Map<string, Proc>();
  readonly clientHosts = new Map<string, LabHost>();
  readonly drivers = new Map<string, Driver>();
  private clientCount = 0;

  private constructor(readonly lab: Lab) {}

  static async start(opts: LabNetOptions): Promise<LabNet> {
    const net = new LabNet(await Lab.create());
    try {
      await net.boot(opts);
    } catch (e) {
      await net.close();
      throw e;
    }
    return net;
  }

  get brokerUrl(): string {
    return `http://${BROKER}/`;
  }

  get egressUrl(): string {
    return `ws://${EGRESS}/`;
  }

  private starling(node: LabNode, name: string, args: string[]): Proc {
    return node.spawn([process.execPath, BIN, ...args], { name, env: TEST_ENV });
  }

  private async boot(opts: LabNetOptions): Promise<void> {
    const keyFile = join(this.dir, 'key.json');
    await writeKeyFile(keyFile, this.keys);
    const inet = this.lab.internet;
    const egress = this.starling(inet, 'egress', [
      'egress',
      '--listen',
      EGRESS,
      '--key',
      keyFile,
      '--allow-private',
    ]);
    const broker = this.starling(inet, 'broker', ['broker', '--listen', BROKER, '--egress', this.egressUrl]);
    const servers = inet.node(
      'bench/lib/lab-servers.ts',
      [TARGET.host, String(TARGET.tcpPort), String(TARGET.httpPort)],
      { name: 'servers' },
    );
    for (let i = 1; i <= opts.volunteers; i++) {
      this.volunteerHosts.push(await this.lab.addHost(`v${i}`, { wire: opts.volunteerWire }));
    }
    for (const [name, wire] of Object.entries(opts.clients)) {
      this.clientHosts.set(name, await this.lab.addHost(name, { wire }));
    }
    if (opts.offloadsOff !== false) await this.setOffloads('off');
    await Promise.all([
      egress.waitFor(/listening on/),
      broker.waitFor(/listening on/),
      servers.waitFor(/listening/, 60_000),
    ]);
    await Promise.all([
      ...this.volunteerHosts.map((h) =>
        h
          .node('bench/lib/lab-servers.ts', [h.address, String(VOLUNTEER_TCP_PORT)])
          .waitFor(/listening/, 60_000),
      ),
      ...this.volunteerHosts.map((h) => this.startVolunteer(h)),
      ...[...this.clientHosts].map(async ([name, host]) => this.drivers.set(name, await Driver.start(host))),
    ]);
  }

  /** `ethtool -K DEV gso off tso off gro off` (or on) on every device of every namespace of the lab. */
  async setOffloads(state: 'on' | 'off'): Promise<void> {
    for (const ns of this.lab.namespaces) {
      const out = await run(['ip', '-n', ns, '-o', 'link', 'show']);
      for (const m of out.matchAll(/^\d+: ([^:@\s]+)/gm)) {
        // A device refuses what it cannot change (a TAP device has no TSO to turn on); the rest applies.
        const features = ['gso', state, 'tso', state, 'gro', state];
        await run(['ip', 'netns', 'exec', ns, 'ethtool', '-K', m[1]!, ...features]).catch(() => undefined);
      }
    }
  }

  /** Starts a volunteer on `host` (again, after a kill); resolves once it waits at the broker. */
  async startVolunteer(host: LabHost): Promise<Proc> {
    const v = this.starling(host, `volunteer-${host.name}`, [
      'volunteer',
      '--broker',
      this.brokerUrl,
      '--allow-egress',
      this.egressUrl,
      '--ice-address',
      host.address,
    ]);
    this.volunteers.set(host.name, v);
    await v.waitFor(/waiting/, 60_000);
    return v;
  }

  /** Starts a client with `paths` paths on client host `hostName`; resolves once its paths are up. */
  async startClient(hostName: string, paths: number): Promise<LabClient> {
    const host = this.clientHosts.get(hostName)!;
    this.clientCount += 1;
    const socksPort = 1080 + this.clientCount;
    const httpPort = 8080 + this.clientCount;
    const proc = this.starling(
      host,
      `client-${this.clientCount}`,
      this.clientArgs(host, paths, socksPort, httpPort),
    );
    await proc.waitFor(/SOCKS5 proxy on/, 60_000);
    const deadline = Date.now() + 60_000;
    while (proc.lines.filter((l) => / path \d+ up /.test(l)).length < paths) {
      if (Date.now() > deadline) throw new Error(`${proc.name}: fewer than ${paths} paths up`);
      if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { proc, socksPort, httpPort };
  }

  clientArgs(host: LabHost, paths: number, socksPort: number, httpPort: number): string[] {
    return [
      'client',
      '--broker',
      this.brokerUrl,
      '--egress-key',
      encodeKey(this.keys.publicKey),
      '--socks',
      `127.0.0.1:${socksPort}`,
      '--http',
      `127.0.0.1:${httpPort}`,
      '--paths',
      String(paths),
      '--ice-address',
      host.address,
    ];
  }

  /** Downloads `bytes` from the lab's TCP target (or `host`:`port`) in client host `hostName`. */
  download(
    hostName: string,
    opts: {
      socksPort?: number;
      bytes: number;
      host?: string;
      port?: number;
      markAt?: number;
      timeoutMs?: number;
    },
    onMark?: () => void,
  ): Promise<DownloadResult> {
    return this.drivers.get(hostName)!.request<DownloadResult & Reply>(
      {
        op: 'download',
        via: opts.socksPort === undefined ? 'direct' : 'socks',
        host: opts.host ?? TARGET.host,
        port: opts.port ?? TARGET.tcpPort,
        socksPort: opts.socksPort,
        bytes: opts.bytes,
        markAt: opts.markAt,
        timeoutMs: opts.timeoutMs,
      },
      () => onMark?.(),
    );
  }

  async close(): Promise<void> {
    await this.lab.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
