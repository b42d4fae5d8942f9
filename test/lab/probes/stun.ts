/**
 * A STUN Binding probe for the lab's NAT tests, run inside a lab host (LabNode.execNode). From one UDP
 * socket it sends each request in turn, and prints one JSON array with, per request, the mapping the server
 * saw (XOR-MAPPED-ADDRESS), where the answer came from, and the server's OTHER-ADDRESS (RFC 5780), or
 * `answered: false` if nothing came back:
 *
 *   stun.ts ADDRESS:PORT[/ip|/port|/both]...
 *
 * A `/ip`, `/port` or `/both` suffix adds a CHANGE-REQUEST (RFC 5780 §7.2): the server answers from its other
 * address and/or port, which shows what the NAT's filtering lets in. Only what the probe needs of RFC 5389.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';

const MAGIC = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const ATTR = { xorMapped: 0x0020, changeRequest: 0x0003, otherAddress: 0x802c } as const;
const CHANGE_FLAGS = { ip: 0x04, port: 0x02, both: 0x06 } as const;
const ATTEMPTS = 3;
const ATTEMPT_MS = 500;

export interface StunAnswer {
  /** The request as given: `ADDRESS:PORT[/change]`. */
  request: string;
  answered: boolean;
  /** The mapping the server saw, `ip:port`. */
  mapped?: string;
  /** Where the answer came from. */
  from?: string;
  /** The server's OTHER-ADDRESS. */
  other?: string;
}

function request(transaction: Buffer, change: number | undefined): Buffer {
  const attrs = change === undefined ? Buffer.alloc(0) : Buffer.alloc(8);
  if (change !== undefined) {
    attrs.writeUInt16BE(ATTR.changeRequest, 0);
    attrs.writeUInt16BE(4, 2);
    attrs.writeUInt32BE(change, 4);
  }
  const header = Buffer.alloc(20);
  header.writeUInt16BE(BINDING_REQUEST, 0);
  header.writeUInt16BE(attrs.length, 2);
  header.writeUInt32BE(MAGIC, 4);
  transaction.copy(header, 8);
  return Buffer.concat([header, attrs]);
}

/** An IPv4 address attribute's value, XORed with the magic cookie if `xor`. */
function address(value: Buffer, xor: boolean): string | undefined {
  if (value.length < 8 || value[1] !== 0x01) return undefined;
  const port = value.readUInt16BE(2) ^ (xor ? MAGIC >>> 16 : 0);
  const ip = (value.readUInt32BE(4) ^ (xor ? MAGIC : 0)) >>> 0;
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${port}`;
}

/** The answer in `msg` to `transaction`, or undefined if `msg` is something else. */
function parse(msg: Buffer, transaction: Buffer): Omit<StunAnswer, 'request' | 'from'> | undefined {
  if (msg.length < 20 || msg.readUInt16BE(0) !== BINDING_SUCCESS || msg.readUInt32BE(4) !== MAGIC)
    return undefined;
  if (!msg.subarray(8, 20).equals(transaction)) return undefined;
  const answer: Omit<StunAnswer, 'request' | 'from'> = { answered: true };
  for (let at = 20; at + 4 <= msg.length; ) {
    const type = msg.readUInt16BE(at);
    const length = msg.readUInt16BE(at + 2);
    const value = msg.subarray(at + 4, at + 4 + length);
    if (type === ATTR.xorMapped) answer.mapped = address(value, true);
    if (type === ATTR.otherAddress) answer.other = address(value, false);
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return answer;
}

async function ask(socket: ReturnType<typeof createSocket>, req: string): Promise<StunAnswer> {
  const m = /^([\d.]+):(\d+)(?:\/(ip|port|both))?$/.exec(req);
  if (m === null) throw new Error(`not ADDRESS:PORT[/ip|/port|/both]: ${req}`);
  const [host, port] = [m[1]!, Number(m[2])];
  const change = m[3] === undefined ? undefined : CHANGE_FLAGS[m[3] as keyof typeof CHANGE_FLAGS];
  const transaction = randomBytes(12);
  return new Promise((resolve) => {
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const onMessage = (msg: Buffer, from: RemoteInfo): void => {
      const answer = parse(msg, transaction);
      if (answer === undefined) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve({ request: req, ...answer, from: `${from.address}:${from.port}` });
    };
    const attempt = (): void => {
      if (attempts === ATTEMPTS) {
        socket.off('message', onMessage);
        resolve({ request: req, answered: false });
        return;
      }
      attempts += 1;
      socket.send(request(transaction, change), port, host);
      timer = setTimeout(attempt, ATTEMPT_MS);
    };
    socket.on('message', onMessage);
    attempt();
  });
}

const requests = process.argv.slice(2);
if (requests.length === 0) {
  console.error('usage: stun.ts ADDRESS:PORT[/ip|/port|/both]...');
  process.exit(2);
}
const socket = createSocket('udp4');
await new Promise<void>((resolve) => socket.bind(0, resolve));
const answers: StunAnswer[] = [];
for (const req of requests) answers.push(await ask(socket, req));
process.stdout.write(`${JSON.stringify(answers)}\n`);
socket.close();
