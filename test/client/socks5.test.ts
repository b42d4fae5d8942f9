import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { Dialer } from '../../src/client/dialer.js';
import { createSocksServer, type SocksServerOptions } from '../../src/client/socks5.js';
import { NoPathError, RESET_CODES, type ResetReason, StreamError } from '../../src/shared/errors.js';
import { hasIPv6Loopback, listenLocal, ONE_MIB, Reader, sha256, startEchoServer } from './sockets.js';
import { directDialer, failingDialer, hangingDialer } from './test-dialers.js';

const GREETING = [5, 1, 0];
let echo: { server: Server; port: number };

before(async () => {
  echo = await startEchoServer();
});
after(() => echo.server.close());

/** Runs `fn` against a SOCKS server on 127.0.0.1:0, then closes the server and every client. */
async function withSocks(
  dialer: Dialer,
  fn: (dial: () => Promise<{ socket: Socket; reader: Reader }>) => Promise<void>,
  opts: SocksServerOptions = {},
): Promise<void> {
  const server = createSocksServer(dialer, { log: () => {}, ...opts });
  const port = await listenLocal(server);
  const clients: Socket[] = [];
  try {
    await fn(async () => {
      const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      clients.push(socket);
      const reader = new Reader(socket);
      await once(socket, 'connect');
      return { socket, reader };
    });
  } finally {
    for (const c of clients) c.destroy();
    server.close();
  }
}

function connectRequest(atyp: number, addr: number[], port: number, cmd = 1): number[] {
  return [5, cmd, 0, atyp, ...addr, port >> 8, port & 0xff];
}
function domain(name: string): number[] {
  return [name.length, ...Buffer.from(name)];
}

async function writeByteByByte(socket: Socket, bytes: number[]): Promise<void> {
  for (const b of bytes) {
    socket.write(Buffer.from([b]));
    await new Promise((r) => setImmediate(r));
  }
}

test('greeting and CONNECT split byte by byte; domain name target; data echoes', async () => {
  const dialer = directDialer({ 'echo.test': '127.0.0.1' });
  await withSocks(dialer, async (dial) => {
    const { socket, reader } = await dial();
    await writeByteByByte(socket, [...GREETING, ...connectRequest(3, domain('echo.test'), echo.port)]);
    assert.deepEqual([...(await reader.take(2))], [5, 0]);
    assert.deepEqual([...(await reader.take(10))], [5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    socket.write('ping');
    assert.equal((await reader.take(4)).toString(), 'ping');
    assert.deepEqual(dialer.opened, [`echo.test:${echo.port}`]);
  });
});

test('IPv4 target, with data sent in the same write as the request (optimistic data)', async () => {
  const dialer = directDialer();
  await withSocks(dialer, async (dial) => {
    const { socket, reader } = await dial();
    socket.write(
      Buffer.concat([
        Buffer.from([...GREETING, ...connectRequest(1, [127, 0, 0, 1], echo.port)]),
        Buffer.from('early'),
      ]),
    );
    await reader.take(12);
    assert.equal((await reader.take(5)).toString(), 'early');
    assert.deepEqual(dialer.opened, [`127.0.0.1:${echo.port}`]);
  });
});

test('IPv6 targets are passed to the dialer as RFC 5952 text without brackets', async () => {
  const dialer = failingDialer(new StreamError('refused'));
  await withSocks(dialer, async (dial) => {
    const cases: Array<[number[], string]> = [
      [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], '2001:db8::1:0:0:1'],
      [[...new Array(15).fill(0), 1], '::1'],
      [[0xfe, 0x80, ...new Array(13).fill(0), 0x0a], 'fe80::a'],
    ];
    for (const [addr, text] of cases) {
      const { socket, reader } = await dial();
      socket.write(Buffer.from([...GREETING, ...connectRequest(4, addr, 443)]));
      assert.deepEqual([...(await reader.take(12))].slice(2, 4), [5, 0x05]);
      assert.equal(dialer.opened.at(-1), `${text}:443`);
    }
  });
});

test('IPv6 loopback end to end when this namespace has ::1', async (t) => {
  if (!(await hasIPv6Loopback())) {
    t.skip('no ::1 here');
    return;
  }
  const echo6 = await startEchoServer('::1');
  try {
    await withSocks(directDialer(), async (dial) => {
      const { socket, reader } = await dial();
      socket.write(
        Buffer.from([...GREETING, ...connectRequest(4, [...new Array(15).fill(0), 1], echo6.port)]),
      );
      assert.equal((await reader.take(12))[3], 0);
      socket.write('six');
      assert.equal((await reader.take(3)).toString(), 'six');
    });
  } finally {
    echo6.server.close();
  }
});

test('a client offering no acceptable method gets 0xFF and is closed', async () => {
  await withSocks(directDialer(), async (dial) => {
    const { socket, reader } = await dial();
    socket.write(Buffer.from([5, 2, 0x02, 0x01]));
    assert.deepEqual([...(await reader.rest())], [5, 0xff]);
  });
});

test('BIND and UDP ASSOCIATE get 0x07, an unknown address type 0x08, and nothing is dialed', async () => {
  const dialer = directDialer();
  await withSocks(dialer, async (dial) => {
    for (const cmd of [2, 3]) {
      const { socket, reader } = await dial();
      socket.write(Buffer.from([...GREETING, ...connectRequest(1, [127, 0, 0, 1], echo.port, cmd)]));
      const reply = await reader.rest();
      assert.deepEqual([...reply.subarray(2, 4)], [5, 0x07]);
    }
    const { socket, reader } = await dial();
    socket.write(Buffer.from([...GREETING, 5, 1, 0, 0x09]));
    assert.deepEqual([...(await reader.rest()).subarray(2, 4)], [5, 0x08]);
    assert.deepEqual(dialer.opened, []);
  });
});

test('garbage and truncated handshakes are closed at once; the server keeps serving', {
  timeout: 5000,
}, async () => {
  const dialer = directDialer();
  // A 60 s handshake timeout: only the parser can close these within the test's 5 s.
  await withSocks(
    dialer,
    async (dial) => {
      const garbage = await dial();
      garbage.socket.write('GET / HTTP/1.1\r\n\r\n');
      assert.equal((await garbage.reader.rest()).length, 0);

      const badRequestVersion = await dial();
      badRequestVersion.socket.write(Buffer.from([...GREETING, 4, 1, 0, 1]));
      assert.deepEqual([...(await badRequestVersion.reader.rest())], [5, 0]);

      const truncated = await dial();
      truncated.socket.end(Buffer.from([...GREETING, 5, 1, 0, 3, 9, 0x61]));
      assert.deepEqual([...(await truncated.reader.rest())], [5, 0]);

      const good = await dial();
      good.socket.write(Buffer.from([...GREETING, ...connectRequest(1, [127, 0, 0, 1], echo.port)]));
      assert.equal((await good.reader.take(12))[3], 0);
      assert.equal(dialer.opened.length, 1);
    },
    { socksHandshakeTimeoutMs: 60_000 },
  );
});

test('a client that sends nothing is closed after the handshake timeout', async () => {
  await withSocks(
    directDialer(),
    async (dial) => {
      const silent = await dial();
      assert.equal((await silent.reader.rest()).length, 0);
    },
    { socksHandshakeTimeoutMs: 100 },
  );
});

test('handshake bytes are bounded: a request that outgrows the bound is closed', {
  timeout: 5000,
}, async () => {
  const dialer = directDialer();
  await withSocks(
    dialer,
    async (dial) => {
      // A 200-byte name with a 40-byte bound can never complete; only the bound closes it within 5 s.
      const oversized = await dial();
      await writeByteByByte(oversized.socket, [...GREETING, 5, 1, 0, 3, 200, ...new Array(60).fill(0x61)]);
      assert.deepEqual([...(await oversized.reader.rest())], [5, 0]);
      assert.deepEqual(dialer.opened, []);
    },
    { socksHandshakeTimeoutMs: 60_000, socksMaxHandshakeBytes: 40 },
  );
});

test('each StreamError reason becomes its SOCKS reply; NoPathError is 0x01 and logged once', async () => {
  const expected: Record<ResetReason, number> = {
    general: 1,
    'not-allowed': 2,
    'net-unreachable': 3,
    'host-unreachable': 4,
    refused: 5,
    timeout: 6,
    'dns-failed': 4,
    closed: 1,
    'flow-control': 1,
    busy: 1,
  };
  for (const reason of Object.keys(RESET_CODES) as ResetReason[]) {
    await withSocks(failingDialer(new StreamError(reason)), async (dial) => {
      const { socket, reader } = await dial();
      socket.write(Buffer.from([...GREETING, ...connectRequest(3, domain('x.test'), 80)]));
      const reply = await reader.rest();
      assert.equal(reply[3], expected[reason], reason);
    });
  }
  const logged: string[] = [];
  await withSocks(
    failingDialer(new NoPathError('broker unreachable')),
    async (dial) => {
      for (let i = 0; i < 2; i++) {
        const { socket, reader } = await dial();
        socket.write(Buffer.from([...GREETING, ...connectRequest(3, domain('x.test'), 80)]));
        assert.equal((await reader.rest())[3], 0x01);
      }
    },
    { log: (m) => logged.push(m) },
  );
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /no volunteer/);
});

test('an open that takes too long answers 0x06; a client leaving aborts the open', async () => {
  const dialer = hangingDialer();
  await withSocks(
    dialer,
    async (dial) => {
      const slow = await dial();
      slow.socket.write(Buffer.from([...GREETING, ...connectRequest(3, domain('slow.test'), 80)]));
      assert.equal((await slow.reader.rest())[3], 0x06);
      assert.equal(dialer.signals[0]?.aborted, true);

      const leaving = await dial();
      leaving.socket.write(Buffer.from([...GREETING, ...connectRequest(3, domain('slow.test'), 80)]));
      await leaving.reader.take(2);
      while (dialer.signals.length < 2) await new Promise((r) => setImmediate(r));
      leaving.socket.destroy();
      await once(dialer.signals[1]!, 'abort');
    },
    { openTimeoutMs: 100 },
  );
});

test('1 MiB echoes through unchanged (sha256), and half-close keeps the other direction', async () => {
  await withSocks(directDialer(), async (dial) => {
    const { socket, reader } = await dial();
    socket.write(Buffer.from([...GREETING, ...connectRequest(1, [127, 0, 0, 1], echo.port)]));
    await reader.take(12);
    socket.end(ONE_MIB);
    const back = await reader.rest();
    assert.equal(back.length, ONE_MIB.length + 4);
    assert.equal(sha256(back.subarray(0, ONE_MIB.length)), sha256(ONE_MIB));
    // "done" was written by the echo server after it saw our FIN: the reverse direction stayed open.
    assert.equal(back.subarray(ONE_MIB.length).toString(), 'done');
  });
});

test('a domain no host has (empty label, long label, control or stray bytes) gets 0x04 and nothing is dialed', async () => {
  const dialer = directDialer({ 'sane-name_1.test.': '127.0.0.1' });
  const bad = ['a..example', '.example', `${'b'.repeat(64)}.test`, 'a\x1b[2J', 'a b', 'a%2f', 'a:80'];
  await withSocks(dialer, async (dial) => {
    for (const name of bad) {
      const { socket, reader } = await dial();
      socket.write(Buffer.from([...GREETING, ...connectRequest(3, domain(name), echo.port)]));
      assert.deepEqual([...(await reader.rest()).subarray(2, 4)], [5, 0x04], JSON.stringify(name));
    }
    assert.deepEqual(dialer.opened, []);
    const { socket, reader } = await dial();
    socket.write(Buffer.from([...GREETING, ...connectRequest(3, domain('sane-name_1.test.'), echo.port)]));
    assert.deepEqual([...(await reader.take(12)).subarray(2, 4)], [5, 0x00], 'a sane name is dialed');
    socket.destroy();
    assert.deepEqual(dialer.opened, [`sane-name_1.test.:${echo.port}`]);
  });
});
