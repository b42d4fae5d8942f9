/**
 * The network lab (docs/lab.md): network namespaces for an "internet" that holds the servers, hosts with
 * public addresses or behind NAT routers, and wires with delay, loss and rate limits between them. Tests and
 * benchmarks run commands and Node processes inside its hosts. Everything uses 198.18.0.0/15 and nothing is
 * connected to the machine's own network.
 *
 *   const lab = await Lab.create();
 *   const client = await lab.addHost('client', { nat: 'symmetric', wire: { delayMs: 20, loss: 0.01 } });
 *   const proc = client.node('test/lab/probes/udp.ts', ['rtt', lab.internet.address, '9000', '20']);
 *   ...
 *   await lab.close(); // also runs on exit, SIGTERM and SIGINT
 *
 * Addresses: servers 198.18.0.1-8 (on the internet's loopback); host or router number n has the public
 * address 198.18.1.n; behind a router the host is 198.19.n.2 and the router 198.19.n.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WatchedChild } from '../helpers/child.js';
import { Proc } from '../helpers/network.js';
import { type NatKind, routerRules } from './nat.js';
import {
  addNetns,
  deleteNetnsSync,
  inNetns,
  killAll,
  netnsPids,
  netnsPidsSync,
  newLabPrefix,
  sweepStaleNetns,
} from './netns.js';
import { type RunOptions, run } from './sh.js';
import { makeWire, type WireOptions } from './wire.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Addresses on the internet for servers: coturn takes the first two (RFC 5780 needs two). */
export const SERVER_ADDRESSES = Array.from({ length: 8 }, (_, i) => `198.18.0.${i + 1}`);
const GATEWAY = SERVER_ADDRESSES[0]!;
/** Where the internet sends what has no route: a namespace that drops it. */
const VOID = '198.18.255.254';
const MAX_SITES = 250;
const HOST_NAME = /^[a-z][a-z0-9]{0,23}$/;

export interface HostOptions {
  /** @default 'none' (a public address, no router) */
  nat?: NatKind;
  /** The wire from the host (or its router) to the internet. @default a plain veth pair */
  wire?: WireOptions;
}

export interface SpawnOptions {
  /** Label for its output lines and errors. @default the program's name */
  name?: string;
  /** An IPC channel (`proc.child.send`, `'message'`), for Node children. @default false */
  ipc?: boolean;
  /** A pipe on its stdin (`proc.child.stdin`). @default false */
  stdin?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** A locally administered MAC address for end `end` (0: the internet's, 1: the host's) of wire `n`. */
function wireMac(end: 0 | 1, n: number): string {
  return `02:5c:00:${end.toString(16).padStart(2, '0')}:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
}

/** A namespace of the lab that runs programs: the internet, a host or a router. */
export class LabNode {
  constructor(
    private readonly lab: Lab,
    readonly name: string,
    readonly netns: string,
    /** Its own address: the one to bind to. */
    readonly address: string,
  ) {}

  /** Starts `argv` inside this node; it is killed with the lab, or if this process dies. */
  spawn(argv: readonly string[], opts: SpawnOptions = {}): Proc {
    const [cmd, ...args] = inNetns(this.netns, argv);
    const child = spawn(cmd!, args, {
      cwd: REPO,
      env: opts.env ?? process.env,
      stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(opts.ipc ? (['ipc'] as const) : [])],
    });
    const proc = new Proc(`${this.name}:${opts.name ?? argv[0]}`, child);
    this.lab.own(proc);
    return proc;
  }

  /** Starts a Node script (TypeScript through tsx; a path relative to the repository) inside this node. */
  node(script: string, args: readonly string[] = [], opts: SpawnOptions = {}): Proc {
    return this.spawn([process.execPath, '--import', 'tsx', script, ...args], { name: script, ...opts });
  }

  /**
   * Runs `argv` inside this node to its end; resolves with its stdout, rejects with a LabCommandError that
   * holds its stderr. Killed if the lab closes first.
   */
  exec(argv: readonly string[], opts: Omit<RunOptions, 'onSpawn'> = {}): Promise<string> {
    return run(inNetns(this.netns, argv), { ...opts, onSpawn: (child) => this.lab.ownCommand(child) });
  }

  /** Runs a Node script (as node() does) to its end; resolves with its stdout. */
  execNode(
    script: string,
    args: readonly string[] = [],
    opts: Omit<RunOptions, 'onSpawn'> = {},
  ): Promise<string> {
    return this.exec([process.execPath, '--import', 'tsx', script, ...args], opts);
  }
}

/** A host: a public address (`nat: 'none'`), or a private one behind its own NAT router. */
export class LabHost extends LabNode {
  constructor(
    lab: Lab,
    name: string,
    netns: string,
    address: string,
    readonly nat: NatKind,
    /** The address the internet sees: its own, or its router's. */
    readonly publicAddress: string,
    readonly router: LabNode | undefined,
  ) {
    super(lab, name, netns, address);
  }
}

/** Open labs, torn down synchronously if this process exits or is ended before they were closed. */
const open = new Set<Lab>();
const closeAllSync = (): void => {
  for (const lab of open) lab.closeSync();
};
const onSignal = (signal: NodeJS.Signals): void => {
  closeAllSync();
  listen(false);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
};
function listen(on: boolean): void {
  const method = on ? 'on' : 'off';
  process[method]('exit', closeAllSync);
  process[method]('SIGTERM', onSignal);
  process[method]('SIGINT', onSignal);
}

export class Lab {
  readonly internet: LabNode;
  /** Every namespace this lab made (for checks that nothing is left). */
  readonly namespaces: string[] = [];
  private readonly procs = new Set<Proc>();
  private readonly delayLines: WatchedChild[] = [];
  private readonly commands = new Set<ChildProcess>();
  private readonly cleanups: (() => void)[] = [];
  private readonly hosts = new Map<string, LabHost>();
  private sites = 0;
  private setup: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(readonly prefix: string) {
    this.internet = new LabNode(this, 'internet', `${prefix}inet`, GATEWAY);
    if (open.size === 0) listen(true);
    open.add(this);
  }

  /**
   * Makes the internet namespace with its server addresses, and the void behind it: the internet's
   * default route leads to a namespace that drops every packet, as the real internet drops packets to
   * addresses no one has. Without a route, sending to such an address (a peer's private host candidate)
   * fails at once, and coturn closes the relay allocation whose send failed (docs/lab.md).
   */
  static async create(): Promise<Lab> {
    await sweepStaleNetns();
    const lab = new Lab(newLabPrefix());
    try {
      const inet = lab.internet.netns;
      const voidNetns = `${lab.prefix}void`;
      await lab.addNamespace(inet, true);
      await lab.addNamespace(voidNetns, false);
      await run([
        'ip',
        'link',
        'add',
        'void',
        'netns',
        inet,
        'type',
        'veth',
        'peer',
        'name',
        'void',
        'netns',
        voidNetns,
      ]);
      await lab.ipBatch(voidNetns, [`address add ${VOID}/32 dev void`, 'link set void up']);
      await run(inNetns(voidNetns, ['iptables-restore', '-w']), {
        input: '*raw\n-A PREROUTING -j DROP\nCOMMIT\n',
      });
      await lab.ipBatch(inet, [
        'link set lo up',
        ...SERVER_ADDRESSES.map((a) => `address add ${a}/32 dev lo`),
        'link set void up',
        `route add default via ${VOID} dev void onlink`,
      ]);
    } catch (err) {
      await lab.close();
      throw err;
    }
    return lab;
  }

  private children(): ChildProcess[] {
    return [...[...this.procs].map((p) => p.child), ...this.delayLines.map((d) => d.child), ...this.commands];
  }

  /** The processes of the lab (its delay elements too) that are still running, by pid. */
  pids(): number[] {
    return this.children()
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => c.pid ?? 0);
  }

  /** Adds a host named `name` (lowercase letters and digits), with its router and wire. */
  addHost(name: string, opts: HostOptions = {}): Promise<LabHost> {
    // One at a time: the wires share the internet's namespace and its iptables.
    const next = this.setup.then(() => this.makeHost(name, opts));
    this.setup = next.catch(() => undefined);
    return next;
  }

  private async makeHost(name: string, opts: HostOptions): Promise<LabHost> {
    if (this.closed) throw new Error('lab: closed');
    if (!HOST_NAME.test(name)) throw new RangeError(`lab: bad host name ${JSON.stringify(name)}`);
    if (this.hosts.has(name)) throw new RangeError(`lab: there is already a host ${name}`);
    if (this.sites >= MAX_SITES) throw new RangeError(`lab: at most ${MAX_SITES} hosts`);
    this.sites += 1;
    const n = this.sites;
    const nat = opts.nat ?? 'none';
    const publicAddress = `198.18.1.${n}`;
    const hostNetns = `${this.prefix}${name}`;
    const edgeNetns = nat === 'none' ? hostNetns : `${hostNetns}-nat`;
    const internetDevice = `w${n}`;

    await this.addNamespace(edgeNetns, nat !== 'none');
    const delayLine = await makeWire(
      { hostNetns: edgeNetns, internetNetns: this.internet.netns, internetDevice },
      opts.wire ?? {},
    );
    if (delayLine) this.delayLines.push(delayLine);
    // Fixed MAC addresses and permanent neighbour entries on the wire: resolving a neighbour would
    // otherwise cost a round trip through the wire's delay, a lab artefact (a real first hop is near).
    const [internetMac, edgeMac] = [wireMac(0, n), wireMac(1, n)];
    await this.ipBatch(this.internet.netns, [
      `link set ${internetDevice} address ${internetMac}`,
      `link set ${internetDevice} up`,
      `route add ${publicAddress}/32 dev ${internetDevice}`,
      `neigh replace ${publicAddress} lladdr ${edgeMac} dev ${internetDevice} nud permanent`,
    ]);
    await this.ipBatch(edgeNetns, [
      'link set lo up',
      `link set wan address ${edgeMac}`,
      `address add ${publicAddress}/32 dev wan`,
      'link set wan up',
      `route add default via ${GATEWAY} dev wan onlink`,
      `neigh replace ${GATEWAY} lladdr ${internetMac} dev wan nud permanent`,
    ]);
    let host: LabHost;
    if (nat === 'none') {
      host = new LabHost(this, name, hostNetns, publicAddress, nat, publicAddress, undefined);
    } else {
      const routerAddress = `198.19.${n}.1`;
      const hostAddress = `198.19.${n}.2`;
      await this.addNamespace(hostNetns, false);
      await run([
        'ip',
        'link',
        'add',
        'lan',
        'netns',
        hostNetns,
        'type',
        'veth',
        'peer',
        'name',
        'lan',
        'netns',
        edgeNetns,
      ]);
      await this.ipBatch(edgeNetns, [`address add ${routerAddress}/24 dev lan`, 'link set lan up']);
      await this.ipBatch(hostNetns, [
        'link set lo up',
        `address add ${hostAddress}/24 dev lan`,
        'link set lan up',
        `route add default via ${routerAddress}`,
      ]);
      await run(inNetns(edgeNetns, ['iptables-restore', '-w']), { input: routerRules(nat) });
      const router = new LabNode(this, `${name}-nat`, edgeNetns, publicAddress);
      host = new LabHost(this, name, hostNetns, hostAddress, nat, publicAddress, router);
    }
    this.hosts.set(name, host);
    return host;
  }

  /** Makes a namespace without IPv6 (nothing in the lab uses it), forwarding IPv4 if it routes. */
  private async addNamespace(name: string, forwards: boolean): Promise<void> {
    if (this.closed) throw new Error('lab: closed');
    await addNetns(name);
    this.namespaces.push(name);
    const sysctls = [
      ['ipv6/conf/all/disable_ipv6', '1'],
      ['ipv6/conf/default/disable_ipv6', '1'],
      ['ipv4/ip_forward', forwards ? '1' : '0'],
    ];
    const script = sysctls.map(([key, value]) => `echo ${value} > /proc/sys/net/${key}`).join(' && ');
    await run(inNetns(name, ['sh', '-c', script]));
  }

  private async ipBatch(netns: string, commands: string[]): Promise<void> {
    await run(['ip', '-n', netns, '-batch', '-'], { input: `${commands.join('\n')}\n` });
  }

  /** Registers a process of the lab's, to be stopped with it. */
  own(proc: Proc): void {
    if (this.closed) {
      void proc.stop('SIGKILL');
      throw new Error('lab: closed');
    }
    this.procs.add(proc);
    void proc.exited.then(() => this.procs.delete(proc));
  }

  /** Runs `cleanup` (synchronous: it may run in an exit handler) when the lab closes, after its processes. */
  atClose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Registers a command run in one of the lab's nodes, to be killed if the lab closes before it ends. */
  ownCommand(child: ChildProcess): void {
    if (this.closed) child.kill('SIGKILL');
    this.commands.add(child);
    child.once('close', () => this.commands.delete(child));
  }

  /** Stops every process of the lab, then deletes its namespaces (and with them every device). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.setup;
    const commandsDone = [...this.commands].map((c) => new Promise((resolve) => c.once('close', resolve)));
    for (const command of this.commands) command.kill('SIGKILL');
    await Promise.all([
      ...[...this.procs].map((p) => p.stop('SIGKILL')),
      ...this.delayLines.map((d) => d.stop('SIGKILL')),
      ...commandsDone,
    ]);
    // Whatever they started is still in the namespaces (tshark's dumpcap, say): it goes too.
    for (const name of this.namespaces) killAll(await netnsPids(name));
    for (const name of this.namespaces) await run(['ip', 'netns', 'delete', name]).catch(() => undefined);
    this.forget();
  }

  /** What close() does, without waiting for anything: for exit and signal handlers. */
  closeSync(): void {
    this.closed = true;
    for (const child of this.children()) child.kill('SIGKILL');
    for (const name of this.namespaces) killAll(netnsPidsSync(name));
    for (const name of this.namespaces) deleteNetnsSync(name);
    this.forget();
  }

  private forget(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    open.delete(this);
    if (open.size === 0) listen(false);
  }
}
