/**
 * IP address helpers shared by the egress's destination policy (src/egress/policy.ts) and the broker's
 * source keys (src/broker/client-address.ts): one IPv6 parser and one reading of an IPv4-mapped address.
 */
import { isIPv6 } from 'node:net';

/** The 16 bytes of an IPv6 address in text form (RFC 4291 §2.2, with an optional dotted IPv4 tail). */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.indexOf('.', lastColon) >= 0) {
    for (const part of body.slice(lastColon + 1).split('.')) tail.push(Number(part));
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = body.split('::');
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groupsOf(head);
  const right = rest === undefined ? [] : groupsOf(rest);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** The dotted IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2). */
export function mappedIPv4(bytes: Uint8Array): string | undefined {
  const mapped = bytes.subarray(0, 10).every((x) => x === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.subarray(12, 16).join('.') : undefined;
}
