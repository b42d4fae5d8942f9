/**
 * A file for the lab's Starling tests: the same pseudo-random bytes on both ends, so that what arrives is
 * checked byte for byte (its SHA-256), and how long its first byte took.
 *   serve ADDRESS PORT BYTES          sends BYTES bytes on every connection made to it, then ends it
 *   get SOCKS_PORT ADDRESS PORT       through the SOCKS5 proxy on 127.0.0.1:SOCKS_PORT, prints
 *                                     {"bytes", "sha256", "ttfbMs"} (ttfbMs: from the start of this run)
 *   digest BYTES                      prints the SHA-256 the file of BYTES bytes has
 */
import { createHash } from 'node:crypto';
import { connect, createServer } from 'node:net';

const started = performance.now();
const [mode, ...args] = process.argv.slice(2);

/** The file: xorshift32 from a fixed seed, so both ends make the same bytes. */
function file(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

if (mode === 'serve') {
  const [address, port, bytes] = args;
  const body = file(Number(bytes));
  createServer((socket) => {
    socket.on('error', () => {});
    socket.end(body);
  }).listen(Number(port), address, () => console.log('serving'));
} else if (mode === 'digest') {
  console.log(
    createHash('sha256')
      .update(file(Number(args[0])))
      .digest('hex'),
  );
} else if (mode === 'get') {
  const [socksPort, address, port] = args;
  const socket = connect(Number(socksPort), '127.0.0.1');
  const hash = createHash('sha256');
  let bytes = 0;
  let ttfbMs = -1;
  let stage = 0;
  let pending = Buffer.alloc(0);
  socket.on('connect', () => socket.write(Buffer.from([5, 1, 0])));
  socket.on('data', (d: Buffer) => {
    if (stage === 2) {
      if (ttfbMs < 0) ttfbMs = performance.now() - started;
      bytes += d.length;
      hash.update(d);
      return;
    }
    pending = Buffer.concat([pending, d]);
    if (stage === 0 && pending.length >= 2) {
      pending = pending.subarray(2);
      const ip = String(address).split('.').map(Number);
      socket.write(Buffer.from([5, 1, 0, 1, ...ip, Number(port) >> 8, Number(port) & 255]));
      stage = 1;
    }
    if (stage === 1 && pending.length >= 10) {
      if (pending[1] !== 0) {
        console.log(JSON.stringify({ error: `SOCKS reply ${pending[1]}` }));
        process.exit(1);
      }
      const rest = pending.subarray(10);
      stage = 2;
      if (rest.length > 0) {
        ttfbMs = performance.now() - started;
        bytes += rest.length;
        hash.update(rest);
      }
    }
  });
  socket.on('end', () => {
    console.log(JSON.stringify({ bytes, sha256: hash.digest('hex'), ttfbMs }));
    process.exit(0);
  });
  socket.on('error', (e) => {
    console.log(JSON.stringify({ error: e.message }));
    process.exit(1);
  });
} else {
  console.error('usage: file.ts serve ADDRESS PORT BYTES | get SOCKS_PORT ADDRESS PORT | digest BYTES');
  process.exit(2);
}
