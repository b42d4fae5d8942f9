/**
 * Issue 9, findings 2 and 3, through the real `starling client`: destinations no host has are answered
 * before any stream is opened, and a hostile plain-HTTP origin cannot crash the HTTP proxy. Real processes,
 * a real TCP origin on loopback.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { listen } from '../../src/shared/listen.js';
import { socksConnect, startTarget, viaHttpProxy } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';

let net: Network;
let target: Awaited<ReturnType<typeof startTarget>>;

before(async () => {
  target = await startTarget();
  net = await Network.start({ volunteers: 0, paths: 1 });
});
after(async () => {
  await net?.stop();
  await target?.close();
});

/** The status line the HTTP proxy answers a raw `CONNECT authority` with. */
function rawConnect(port: number, authority: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n');
      if (end >= 0) {
        s.destroy();
        resolve(got.slice(0, end));
      }
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error(`closed with no status line (${JSON.stringify(got)})`)));
    s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

const long = `${'a'.repeat(59)}.`.repeat(5).padEnd(300, 'b');

test('a 300-byte host or an empty label is refused at once (400, SOCKS 0x04), before any open', async () => {
  // No volunteer yet: a destination that reached the tunnel would get "no volunteer" (502, 0x01) instead.
  assert.match(await rawConnect(net.httpPort, `${long}:443`), /^HTTP\/1\.1 400 /);
  const get = await viaHttpProxy(net.httpPort, `http://${long}/`);
  assert.equal(get.status, 400);
  assert.match(get.body, /host must be 1 to 255 bytes/);
  assert.equal((await viaHttpProxy(net.httpPort, 'http://a..example/')).status, 400);
  await assert.rejects(socksConnect(net.socksPort, 'a..example', 80), { code: 4 });
  await assert.rejects(socksConnect(net.socksPort, `${'c'.repeat(64)}.example`, 80), { code: 4 });
  assert.equal(net.client?.child.exitCode, null, 'the client is still running');
});

test('a hostile origin status line (000, 099, a control byte) is 502 with a reason; the client serves on', async () => {
  await net.addVolunteer();
  const lines = ['HTTP/1.1 000 Zero', 'HTTP/1.1 099 Low', 'HTTP/1.1 200 O\x01K'];
  let next = 0;
  const hostile = createServer((socket: Socket) => {
    const line = lines[next++ % lines.length]!;
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.end(`${line}\r\nContent-Length: 2\r\n\r\nhi`));
  });
  const port = await listen(hostile, 0, '127.0.0.1');
  try {
    for (const line of lines) {
      const res = await viaHttpProxy(net.httpPort, `http://127.0.0.1:${port}/`);
      assert.equal(res.status, 502, JSON.stringify(line));
      assert.match(res.body, /sent a bad status line/);
    }
    const fine = await viaHttpProxy(net.httpPort, `http://127.0.0.1:${target.port}/bytes/1000`);
    assert.equal(fine.status, 200);
    assert.equal(fine.bytes, 1000);
    assert.equal((await viaHttpProxy(net.httpPort, `http://${long}/`)).status, 400);
    assert.equal(net.client?.child.exitCode, null, 'the client is still running');
  } finally {
    hostile.close();
  }
});
