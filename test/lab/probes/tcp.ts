/**
 * TCP probes for the lab's tests, run inside lab hosts (LabNode.node / execNode). The sending side writes
 * as fast as the connection takes for SECONDS, then ends; the receiving side prints
 * {"bytes": n, "seconds": s} (s: from its first byte to its last) when the connection ends.
 *   sink PORT                      receives every connection made to it (upload: the client sends)
 *   source ADDRESS PORT SECONDS    connects and sends
 *   serve PORT SECONDS             sends on every connection made to it (download: the client receives)
 *   fetch ADDRESS PORT             connects and receives
 */
import { connect, createServer, type Socket } from 'node:net';

const [mode, ...args] = process.argv.slice(2);
const CHUNK = Buffer.alloc(64 * 1024);

function send(socket: Socket, seconds: number): void {
  const until = Date.now() + seconds * 1000;
  const pump = (): void => {
    while (Date.now() < until) if (!socket.write(CHUNK)) return void socket.once('drain', pump);
    socket.end();
  };
  pump();
}

function receive(socket: Socket, done?: () => void): void {
  let bytes = 0;
  let first = 0n;
  let last = 0n;
  socket.on('data', (d: Buffer) => {
    last = process.hrtime.bigint();
    if (bytes === 0) first = last;
    bytes += d.length;
  });
  socket.on('end', () => {
    process.stdout.write(`${JSON.stringify({ bytes, seconds: Number(last - first) / 1e9 })}\n`);
    socket.end();
    done?.();
  });
}

function fail(err: Error): never {
  console.error(err.message);
  process.exit(1);
}

if (mode === 'sink' || mode === 'serve') {
  const seconds = Number(args[1]);
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    if (mode === 'sink') receive(socket);
    else send(socket, seconds);
  });
  server.listen(Number(args[0]), () => process.stdout.write('"listening"\n'));
} else if (mode === 'source' || mode === 'fetch') {
  const socket = connect(Number(args[1]), args[0]!, () => {
    if (mode === 'source') send(socket, Number(args[2]));
    else receive(socket, () => process.exit(0));
  });
  socket.on('close', () => process.exit(0));
  socket.on('error', fail);
} else {
  console.error(
    'usage: tcp.ts sink PORT | source ADDRESS PORT SECONDS | serve PORT SECONDS | fetch ADDRESS PORT',
  );
  process.exit(2);
}
