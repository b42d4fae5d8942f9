/**
 * The lab's "internet" for Starling (issue 10): coturn, a file server as the web, the egress, a broker that
 * hands out STUN only and one that also hands out TURN with coturn's shared secret, all on the lab's
 * internet. Used by test/lab/starling-nat.test.ts, test/lab/chromium-nat.test.ts and bench/nat.ts, which
 * then put clients and volunteers in hosts behind NATs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair, type KeyPair } from '../../src/session/noise.js';
import { BIN, type Proc, TEST_ENV } from '../helpers/network.js';
import { startTurn, type TurnServer } from './coturn.js';
import { type Lab, type LabNode, SERVER_ADDRESSES } from './lab.js';

export const EGRESS_ADDRESS = SERVER_ADDRESSES[2]!;
export const BROKER_ADDRESS = SERVER_ADDRESSES[3]!;
export const TARGET_ADDRESS = SERVER_ADDRESSES[4]!;
export const TARGET_PORT = 7000;

export interface LabServerOptions {
  /** Size of the file the target serves on every connection. */
  fileBytes: number;
}

export interface LabServers {
  turn: TurnServer;
  /** The egress's keys; `egressKey` is its public key as `--egress-key` takes it. */
  keys: KeyPair;
  egressKey: string;
  egressUrl: string;
  /** Broker URLs: `stun` hands out coturn's STUN addresses, `turn` also TURN credentials. */
  brokers: Record<'stun' | 'turn', string>;
  /** Where the file is served (`test/lab/probes/file.ts get SOCKS_PORT ADDRESS PORT` fetches it). */
  target: { address: string; port: number };
  fileBytes: number;
  /** The SHA-256 (hex) of the file. */
  digest: string;
  /** A scratch directory (key file, TURN secret) that goes with the lab. */
  dir: string;
  /** Starts `starling ARGS` in `node` (a host or the internet) with the tests' environment. */
  starling(node: LabNode, name: string, args: string[]): Proc;
}

/** Starts `starling ARGS` in `node` with the tests' environment (addresses kept in its log lines). */
export function starlingIn(node: LabNode, name: string, args: string[]): Proc {
  return node.spawn([process.execPath, BIN, ...args], { name, env: TEST_ENV });
}

/** Starts coturn and Starling's servers in `lab`'s internet; resolves once all of them listen. */
export async function startLabServers(lab: Lab, opts: LabServerOptions): Promise<LabServers> {
  const dir = mkdtempSync(join(tmpdir(), 'starling-lab-servers-'));
  lab.atClose(() => rmSync(dir, { recursive: true, force: true }));
  const turn = await startTurn(lab);
  const keys = generateKeyPair();
  const keyFile = join(dir, 'egress-key.json');
  await writeKeyFile(keyFile, keys);
  const secretFile = join(dir, 'turn-secret');
  writeFileSync(secretFile, turn.secret);
  const inet = lab.internet;
  const egressUrl = `ws://${EGRESS_ADDRESS}:8701/`;
  const target = inet.node('test/lab/probes/file.ts', [
    'serve',
    TARGET_ADDRESS,
    String(TARGET_PORT),
    String(opts.fileBytes),
  ]);
  const digest = (await inet.execNode('test/lab/probes/file.ts', ['digest', String(opts.fileBytes)])).trim();
  const egress = starlingIn(inet, 'egress', [
    'egress',
    '--listen',
    `${EGRESS_ADDRESS}:8701`,
    '--key',
    keyFile,
    '--allow-private',
  ]);
  const common = ['broker', '--egress', egressUrl, ...turn.stunUrls.flatMap((u) => ['--stun', u])];
  const stunBroker = starlingIn(inet, 'broker-stun', [...common, '--listen', `${BROKER_ADDRESS}:8700`]);
  const turnBroker = starlingIn(inet, 'broker-turn', [
    ...common,
    '--listen',
    `${BROKER_ADDRESS}:8702`,
    '--turn',
    `turn:${turn.addresses[0]}:${turn.port}?transport=udp`,
    '--turn-secret',
    secretFile,
  ]);
  await Promise.all([
    target.waitFor(/serving/),
    egress.waitFor(/listening on/),
    stunBroker.waitFor(/listening on/),
    turnBroker.waitFor(/listening on/),
  ]);
  return {
    turn,
    keys,
    egressKey: encodeKey(keys.publicKey),
    egressUrl,
    brokers: { stun: `http://${BROKER_ADDRESS}:8700/`, turn: `http://${BROKER_ADDRESS}:8702/` },
    target: { address: TARGET_ADDRESS, port: TARGET_PORT },
    fileBytes: opts.fileBytes,
    digest,
    dir,
    starling: starlingIn,
  };
}
