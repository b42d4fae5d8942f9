/**
 * NAT detection in Node (src/shared/nat-class.ts): one UDP socket asks two STUN servers for its mapping
 * (RFC 5389 Binding requests, resent at 0, 200 and 600 ms), and the mappings name the class.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import type { NatClass } from '../signaling/fields.js';
import { classify, detectionTargets, type StunTarget } from './nat-class.js';

const MAGIC = 0x2112a442;
const RESEND_MS = [0, 200, 600];

function bindingRequest(transaction: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt32BE(MAGIC, 4);
  transaction.copy(header, 8);
  return header;
}

/** XOR-MAPPED-ADDRESS of a Binding success answering `transaction` (IPv4), or undefined. */
export function mappedAddress(msg: Buffer, transaction: Buffer): string | undefined {
  if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0101 || msg.readUInt32BE(4) !== MAGIC) return undefined;
  if (!msg.subarray(8, 20).equals(transaction)) return undefined;
  for (let at = 20; at + 4 <= msg.length; ) {
    const type = msg.readUInt16BE(at);
    const length = msg.readUInt16BE(at + 2);
    if (type === 0x0020 && length >= 8 && at + 12 <= msg.length && msg[at + 5] === 0x01) {
      const port = msg.readUInt16BE(at + 6) ^ (MAGIC >>> 16);
      const ip = (msg.readUInt32BE(at + 8) ^ MAGIC) >>> 0;
      return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${port}`;
    }
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return undefined;
}

function ask(socket: Socket, target: StunTarget, timeoutMs: number): Promise<string | undefined> {
  const transaction = randomBytes(12);
  const request = bindingRequest(transaction);
  return new Promise((resolve) => {
    const timers = RESEND_MS.map((ms) =>
      setTimeout(() => socket.send(request, target.port, target.host, () => {}), ms),
    );
    const done = (value: string | undefined): void => {
      for (const t of timers) clearTimeout(t);
      clearTimeout(deadline);
      socket.off('message', onMessage);
      resolve(value);
    };
    const onMessage = (msg: Buffer): void => {
      const mapped = mappedAddress(msg, transaction);
      if (mapped !== undefined) done(mapped);
    };
    const deadline = setTimeout(() => done(undefined), timeoutMs);
    socket.on('message', onMessage);
  });
}

/** Whether `ip` is one of this machine's own addresses. */
function isLocalAddress(ip: string): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === ip) === true);
}

/**
 * The NAT class of this machine seen through the first two STUN servers of `servers` on different hosts
 * (`unknown` when none answers, or with one server a NAT); `bindAddress` is the address ICE uses.
 */
export async function detectNatNode(
  servers: readonly RTCIceServer[],
  { bindAddress, timeoutMs = 1500 }: { bindAddress?: string; timeoutMs?: number } = {},
): Promise<NatClass> {
  const targets = detectionTargets(servers).filter((t) => /^[\d.]+$/.test(t.host) || !t.host.includes(':'));
  if (targets.length === 0) return 'unknown';
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, bindAddress, () => resolve());
    });
    socket.on('error', () => {});
    const mapped: (string | undefined)[] = [];
    // One after the other: a symmetric NAT must see two destinations from the same socket.
    for (const t of targets) mapped.push(await ask(socket, t, timeoutMs));
    const { port } = socket.address();
    const public_ = mapped.find((m) => m !== undefined && isLocalAddress(m.slice(0, m.lastIndexOf(':'))));
    const local = public_ === undefined ? undefined : `${public_.slice(0, public_.lastIndexOf(':'))}:${port}`;
    return classify(local, mapped);
  } catch {
    return 'unknown';
  } finally {
    socket.close();
  }
}
