/**
 * UDP probes for the lab's tests, run inside lab hosts (LabNode.node):
 *   echo PORT                         sends every datagram back; prints `listening`
 *   rtt ADDRESS PORT COUNT GAP_MS     COUNT round trips, one every GAP_MS; prints {"rttMs": [...], "lost": n}
 *   count PORT                        counts datagrams until its stdin ends; then prints {"received": n}
 *   send ADDRESS PORT COUNT           sends COUNT numbered datagrams, paced; prints {"sent": n}
 */
import { createSocket } from 'node:dgram';

const [mode, ...args] = process.argv.slice(2);
const socket = createSocket('udp4');
const LATE_MS = 2000;

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

if (mode === 'echo' || mode === 'count') {
  let received = 0;
  socket.on('message', (msg, from) => {
    received += 1;
    if (mode === 'echo') socket.send(msg, from.port, from.address);
  });
  socket.bind(Number(args[0]), () => print('listening'));
  if (mode === 'count') {
    process.stdin.resume();
    process.stdin.on('end', () => {
      print({ received });
      socket.close();
    });
  }
} else if (mode === 'rtt') {
  const [address, port, count, gap] = [args[0]!, Number(args[1]), Number(args[2]), Number(args[3])];
  const sentAt = new Map<number, bigint>();
  const rttMs: number[] = [];
  socket.on('message', (msg) => {
    const seq = msg.readUInt32BE(0);
    const t = sentAt.get(seq);
    if (t === undefined) return;
    sentAt.delete(seq);
    rttMs.push(Number(process.hrtime.bigint() - t) / 1e6);
  });
  let seq = 0;
  const finish = (): void => {
    print({ rttMs, lost: count - rttMs.length });
    process.exit(0);
  };
  const tick = (): void => {
    const msg = Buffer.alloc(64);
    msg.writeUInt32BE(seq, 0);
    sentAt.set(seq, process.hrtime.bigint());
    socket.send(msg, port, address);
    seq += 1;
    if (seq < count) setTimeout(tick, gap);
    else setTimeout(finish, LATE_MS);
  };
  socket.bind(0, tick);
} else if (mode === 'send') {
  const [address, port, count] = [args[0]!, Number(args[1]), Number(args[2])];
  const PER_TICK = 20;
  let sent = 0;
  const tick = (): void => {
    for (let i = 0; i < PER_TICK && sent < count; i++, sent++) {
      const msg = Buffer.alloc(200);
      msg.writeUInt32BE(sent, 0);
      socket.send(msg, port, address);
    }
    if (sent < count) setTimeout(tick, 2);
    else
      setTimeout(() => {
        print({ sent });
        process.exit(0);
      }, 100);
  };
  socket.bind(0, tick);
} else {
  console.error(
    'usage: udp.ts echo PORT | rtt ADDRESS PORT COUNT GAP_MS | count PORT | send ADDRESS PORT COUNT',
  );
  process.exit(2);
}
