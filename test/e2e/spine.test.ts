/**
 * The whole chain with real processes: app -> client (SOCKS5 / HTTP proxy) -> node-datachannel -> volunteer
 * -> WebSocket -> egress -> a local HTTP server. Runs in the test network namespace.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getViaSocks, seededSha, socksConnect, startTarget, viaHttpProxy } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';

const MiB = 1024 * 1024;
let net: Network;
let target: Awaited<ReturnType<typeof startTarget>>;

before(async () => {
  target = await startTarget();
  net = await Network.start({ volunteers: 2, paths: 2, deny: ['127.0.0.2/32'] });
});

after(async () => {
  await net?.stop();
  await target?.close();
});

for (const size of [1, 64]) {
  test(`${size} MiB through SOCKS5 arrives with the same SHA-256`, async () => {
    const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, `/bytes/${size * MiB}`);
    assert.equal(got.status, 200);
    assert.equal(got.bytes, size * MiB);
    assert.equal(got.sha, seededSha(size * MiB));
  });

  test(`${size} MiB through the HTTP proxy arrives with the same SHA-256`, async () => {
    const got = await viaHttpProxy(net.httpPort, `http://127.0.0.1:${target.port}/bytes/${size * MiB}`);
    assert.equal(got.status, 200);
    assert.equal(got.sha, seededSha(size * MiB));
  });
}

test('an upload through the HTTP proxy arrives intact', async () => {
  const body = Buffer.alloc(3 * MiB + 5, 0x5a);
  const got = await viaHttpProxy(net.httpPort, `http://127.0.0.1:${target.port}/sha`, 'POST', body);
  const { createHash } = await import('node:crypto');
  assert.equal(got.body, createHash('sha256').update(body).digest('hex'));
});

test('50 concurrent streams over one session all arrive intact', async () => {
  const sizes = Array.from({ length: 50 }, (_, i) => 64 * 1024 + i * 7919);
  const results = await Promise.all(
    sizes.map((n, i) =>
      i % 2 === 0
        ? getViaSocks(net.socksPort, '127.0.0.1', target.port, `/bytes/${n}`)
        : viaHttpProxy(net.httpPort, `http://127.0.0.1:${target.port}/bytes/${n}`),
    ),
  );
  for (const [i, r] of results.entries()) assert.equal(r.sha, seededSha(sizes[i]!), `stream ${i}`);
});

test('a destination the egress refuses gets SOCKS 0x02 and HTTP 403 at once; the session stays up', async () => {
  await assert.rejects(socksConnect(net.socksPort, '127.0.0.2', target.port), { code: 2 });
  const viaHttp = await viaHttpProxy(net.httpPort, `http://127.0.0.2:${target.port}/bytes/10`);
  assert.equal(viaHttp.status, 403);
  const ok = await getViaSocks(net.socksPort, '127.0.0.1', target.port, '/bytes/1000');
  assert.equal(ok.sha, seededSha(1000));
});

test('a closed port gets SOCKS 0x05 (refused) and HTTP 502', async () => {
  const closed = await startTarget();
  const port = closed.port;
  await closed.close();
  await assert.rejects(socksConnect(net.socksPort, '127.0.0.1', port), { code: 5 });
  const viaHttp = await viaHttpProxy(net.httpPort, `http://127.0.0.1:${port}/`);
  assert.equal(viaHttp.status, 502);
});

test('the SOCKS test client really goes through the proxy (a closed proxy port fails)', async () => {
  const closed = await startTarget();
  const port = closed.port;
  await closed.close();
  await assert.rejects(getViaSocks(port, '127.0.0.1', target.port, '/bytes/10'));
});

/** A TCP destination that sends `bytes` and then aborts the connection with a reset (RST). */
async function resettingServer(bytes: number): Promise<{ port: number; close(): void }> {
  const { createServer } = await import('node:net');
  const server = createServer((s) =>
    s.write(Buffer.alloc(bytes, 7), () => setTimeout(() => s.resetAndDestroy(), 50)),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, close: () => server.close() };
}

test('a destination that resets is seen by the app as a reset, not as a clean end of data', async () => {
  const dest = await resettingServer(100_000);
  try {
    const app = await socksConnect(net.socksPort, '127.0.0.1', dest.port);
    let got = 0;
    const outcome = await new Promise<string>((resolve) => {
      app.on('data', (d: Buffer) => {
        got += d.length;
      });
      app.on('end', () => resolve('end'));
      app.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.equal(outcome, 'ECONNRESET');
    assert.ok(got <= 100_000);
  } finally {
    dest.close();
  }
});

test('an app that resets makes the destination see a reset', async () => {
  const { createServer } = await import('node:net');
  let seen: (outcome: string) => void = () => {};
  const outcome = new Promise<string>((r) => {
    seen = r;
  });
  const server = createServer((s) => {
    s.on('end', () => seen('end'));
    s.on('error', (e: NodeJS.ErrnoException) => seen(e.code ?? 'error'));
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const app = await socksConnect(net.socksPort, '127.0.0.1', port);
    app.write(Buffer.alloc(10_000, 1));
    setTimeout(() => app.resetAndDestroy(), 100);
    assert.equal(await outcome, 'ECONNRESET');
  } finally {
    server.close();
  }
});
