import assert from 'node:assert/strict';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
} from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { Dialer } from '../../src/client/dialer.js';
import { createHttpProxyServer, type HttpProxyOptions } from '../../src/client/http-proxy.js';
import { NoPathError, RESET_CODES, type ResetReason, StreamError } from '../../src/shared/errors.js';
import { listenLocal, ONE_MIB, Reader, sha256, startEchoServer } from './sockets.js';
import { directDialer, failingDialer } from './test-dialers.js';

let echo: Awaited<ReturnType<typeof startEchoServer>>;
let origin: Server;
let originPort: number;
const originSockets = new Set<Socket>();

/** The origin: /headers answers the request headers as JSON, /sha the sha256 and length of the body,
 *  /big 1 MiB, /hop a response with hop-by-hop headers. */
before(async () => {
  echo = await startEchoServer();
  origin = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/big') {
        res.end(ONE_MIB);
        return;
      }
      if (req.url === '/hop') {
        res.writeHead(200, { 'Proxy-Authenticate': 'Basic', 'X-Origin': '1', 'Keep-Alive': 'timeout=5' });
        res.end('hop');
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          length: body.length,
          sha: sha256(body),
        }),
      );
    });
  });
  origin.on('connection', (s: Socket) => {
    originSockets.add(s);
    s.on('close', () => originSockets.delete(s));
  });
  originPort = await listenLocal(origin);
});
after(() => {
  echo.server.close();
  for (const s of originSockets) s.destroy();
  origin.close();
});

type Reply = { status: number; headers: IncomingHttpHeaders; body: Buffer; socket: Socket };

/** Runs `fn` with a proxy on 127.0.0.1:0; `send` makes one request to it through `agent`. */
async function withProxy(
  dialer: Dialer,
  fn: (ctx: {
    port: number;
    connections: () => number;
    send: (
      path: string,
      init?: { method?: string; headers?: Record<string, string>; body?: Buffer; chunked?: boolean },
    ) => Promise<Reply>;
  }) => Promise<void>,
  opts: HttpProxyOptions = {},
): Promise<void> {
  const proxy = createHttpProxyServer(dialer, { log: () => {}, ...opts });
  let connections = 0;
  proxy.on('connection', () => connections++);
  const port = await listenLocal(proxy);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await fn({
      port,
      connections: () => connections,
      send: (path, init = {}) =>
        new Promise<Reply>((resolve, reject) => {
          const headers: Record<string, string> = { ...init.headers };
          if (init.body && !init.chunked) headers['Content-Length'] = String(init.body.length);
          const req = request({
            host: '127.0.0.1',
            port,
            method: init.method ?? 'GET',
            path,
            headers,
            agent,
          });
          req.on('error', reject);
          req.on('response', (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
                socket: req.socket as Socket,
              }),
            );
          });
          if (init.body && init.chunked) {
            req.write(init.body.subarray(0, 1000));
            req.end(init.body.subarray(1000));
          } else req.end(init.body);
        }),
    });
  } finally {
    agent.destroy();
    proxy.closeAllConnections();
    proxy.close();
  }
}

function connectThrough(
  port: number,
  target: string,
): Promise<{ status: number; socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'CONNECT', path: target, agent: false });
    req.on('error', reject);
    req.on('connect', (res: IncomingMessage, socket: Socket, head: Buffer) =>
      resolve({ status: res.statusCode ?? 0, socket, head }),
    );
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, socket: res.socket as Socket, head: Buffer.concat(chunks) }),
      );
    });
    req.end();
  });
}

test('CONNECT opens a raw stream: 1 MiB echoes unchanged, half-close works', async () => {
  const dialer = directDialer();
  await withProxy(dialer, async ({ port }) => {
    const { status, socket, head } = await connectThrough(port, `127.0.0.1:${echo.port}`);
    assert.equal(status, 200);
    assert.equal(head.length, 0);
    const reader = new Reader(socket);
    socket.end(ONE_MIB);
    const back = await reader.rest();
    assert.equal(sha256(back.subarray(0, ONE_MIB.length)), sha256(ONE_MIB));
    assert.equal(back.subarray(ONE_MIB.length).toString(), 'done');
    socket.destroy();
    assert.deepEqual(dialer.opened, [`127.0.0.1:${echo.port}`]);
  });
});

test('CONNECT failures map to the StreamError status; NoPathError is 502 "no volunteer"', async () => {
  for (const reason of Object.keys(RESET_CODES) as ResetReason[]) {
    const err = new StreamError(reason);
    await withProxy(failingDialer(err), async ({ port }) => {
      const { status, head, socket } = await connectThrough(port, 'example.test:443');
      assert.equal(status, err.httpStatus, reason);
      assert.match(head.toString(), new RegExp(reason));
      socket.destroy();
    });
  }
  const logged: string[] = [];
  await withProxy(
    failingDialer(new NoPathError('no broker')),
    async ({ port }) => {
      const { status, head, socket } = await connectThrough(port, '[2001:db8::1]:443');
      assert.equal(status, 502);
      assert.match(head.toString(), /no volunteer is reachable/);
      socket.destroy();
    },
    { log: (m) => logged.push(m) },
  );
  assert.equal(logged.length, 1);
});

test('CONNECT to a bad target is 400 and nothing is dialed; IPv6 brackets are removed', async () => {
  const dialer = failingDialer(new StreamError('refused'));
  await withProxy(dialer, async ({ port }) => {
    for (const target of [
      'example.test',
      'example.test:0',
      'example.test:70000',
      'example.test:http',
      '[::1:80',
    ]) {
      const { status, socket } = await connectThrough(port, target);
      assert.equal(status, 400, target);
      socket.destroy();
    }
    assert.deepEqual(dialer.opened, []);
    const { socket } = await connectThrough(port, '[::1]:8443');
    socket.destroy();
    assert.deepEqual(dialer.opened, ['::1:8443']);
  });
});

test('plain GET and POST are forwarded; keep-alive reuses the app connection', async () => {
  const dialer = directDialer();
  await withProxy(dialer, async ({ send, connections }) => {
    const base = `http://127.0.0.1:${originPort}`;
    // The Host a client sends is replaced by the target's authority (RFC 9112 §3.2.2).
    const get = await send(`${base}/headers?q=1`, { headers: { 'X-Test': 'yes', Host: 'elsewhere.test' } });
    assert.equal(get.status, 200);
    const seen = JSON.parse(get.body.toString()) as {
      method: string;
      url: string;
      headers: IncomingHttpHeaders;
    };
    assert.equal(seen.method, 'GET');
    assert.equal(seen.url, '/headers?q=1');
    assert.equal(seen.headers['x-test'], 'yes');
    assert.equal(seen.headers.host, `127.0.0.1:${originPort}`);

    const body = Buffer.from('a small form body');
    const post = await send(`${base}/sha`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'text/plain' },
    });
    const posted = JSON.parse(post.body.toString()) as { method: string; length: number; sha: string };
    assert.equal(posted.method, 'POST');
    assert.equal(posted.length, body.length);
    assert.equal(posted.sha, sha256(body));
    assert.equal(post.socket, get.socket);
    assert.equal(connections(), 1);
    assert.equal(dialer.opened.length, 2);
  });
});

test('hop-by-hop headers are stripped both ways', async () => {
  await withProxy(directDialer(), async ({ send }) => {
    const base = `http://127.0.0.1:${originPort}`;
    const res = await send(`${base}/headers`, {
      headers: {
        'Proxy-Connection': 'keep-alive',
        'Proxy-Authorization': 'Basic eDp5',
        Connection: 'keep-alive, X-Hop',
        'X-Hop': 'gone',
        'X-End': 'kept',
        TE: 'trailers',
      },
    });
    const { headers } = JSON.parse(res.body.toString()) as { headers: IncomingHttpHeaders };
    assert.equal(headers['x-end'], 'kept');
    for (const name of ['proxy-connection', 'proxy-authorization', 'x-hop', 'te']) {
      assert.equal(headers[name], undefined, name);
    }
    const hop = await send(`${base}/hop`);
    assert.equal(hop.body.toString(), 'hop');
    assert.equal(hop.headers['x-origin'], '1');
    assert.equal(hop.headers['proxy-authenticate'], undefined);
  });
});

test('1 MiB bodies pass unchanged both ways (Content-Length and chunked uploads)', async () => {
  await withProxy(directDialer(), async ({ send }) => {
    const base = `http://127.0.0.1:${originPort}`;
    for (const chunked of [false, true]) {
      const res = await send(`${base}/sha`, { method: 'POST', body: ONE_MIB, chunked });
      const seen = JSON.parse(res.body.toString()) as { length: number; sha: string };
      assert.equal(seen.length, ONE_MIB.length, `chunked=${chunked}`);
      assert.equal(seen.sha, sha256(ONE_MIB));
    }
    const big = await send(`${base}/big`);
    assert.equal(big.body.length, ONE_MIB.length);
    assert.equal(sha256(big.body), sha256(ONE_MIB));
  });
});

test('relative URIs and other schemes are 400; open failures map to their status', async () => {
  const dialer = failingDialer(new StreamError('not-allowed'));
  await withProxy(dialer, async ({ send }) => {
    assert.equal((await send('/relative')).status, 400);
    assert.equal((await send('https://example.test/')).status, 400);
    assert.equal((await send('ftp://example.test/')).status, 400);
    assert.deepEqual(dialer.opened, []);
    const refused = await send('http://example.test:8080/x');
    assert.equal(refused.status, 403);
    assert.equal(refused.headers['content-type'], 'text/plain; charset=utf-8');
    assert.deepEqual(dialer.opened, ['example.test:8080']);
  });
  await withProxy(failingDialer(new NoPathError()), async ({ send }) => {
    const res = await send('http://example.test/');
    assert.equal(res.status, 502);
    assert.match(res.body.toString(), /no volunteer is reachable/);
  });
});

test('an origin that breaks HTTP before answering gives 502', async () => {
  // The echo server sends the request back, which is not an HTTP response.
  await withProxy(directDialer(), async ({ send }) => {
    const res = await send(`http://127.0.0.1:${echo.port}/x`);
    assert.equal(res.status, 502);
    assert.match(res.body.toString(), /broke the exchange/);
  });
});

test('an origin that answers 101 Switching Protocols unasked gives 502, not a hang', async () => {
  const origin = createTcpServer((socket: Socket) => {
    socket.once('data', () =>
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n'),
    );
  });
  const port = await listenLocal(origin);
  try {
    await withProxy(directDialer(), async ({ send }) => {
      const res = await send(`http://127.0.0.1:${port}/x`);
      assert.equal(res.status, 502);
      assert.match(res.body.toString(), /switched protocols/);
    });
  } finally {
    origin.close();
  }
});

test('an absolute URI keeps its path bytes and defaults to port 80', async () => {
  const dialer = failingDialer(new StreamError('refused'));
  await withProxy(dialer, async ({ send }) => {
    await send('http://Example.TEST/a/../b?x=%20#frag');
    assert.deepEqual(dialer.opened, ['example.test:80']);
  });
  const sink: string[] = [];
  const probe = createServer((req, res) => {
    sink.push(req.url ?? '');
    res.end();
  });
  const probePort = await listenLocal(probe);
  try {
    await withProxy(directDialer(), async ({ send }) => {
      await send(`http://127.0.0.1:${probePort}/a/../b?x=%20#frag`);
    });
  } finally {
    probe.closeAllConnections();
    probe.close();
  }
  assert.deepEqual(sink, ['/a/../b?x=%20']);
});

test('an origin whose status line writeHead refuses (000, 099, a control byte) gives 502 with a reason', async () => {
  const lines = ['HTTP/1.1 000 Zero', 'HTTP/1.1 099 Low', 'HTTP/1.1 200 O\x01K', 'HTTP/1.1 200 O\x1b[2JK'];
  let next = 0;
  const hostile = createTcpServer((socket: Socket) => {
    const line = lines[next++ % lines.length]!;
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.end(`${line}\r\nContent-Length: 2\r\n\r\nhi`));
  });
  const port = await listenLocal(hostile);
  try {
    await withProxy(directDialer(), async ({ send }) => {
      for (const line of lines) {
        const res = await send(`http://127.0.0.1:${port}/x`);
        assert.equal(res.status, 502, JSON.stringify(line));
        assert.match(res.body.toString(), /sent a bad status line: (status 0\d\d|a control byte)/);
      }
      const fine = await send(`http://127.0.0.1:${originPort}/headers`);
      assert.equal(fine.status, 200, 'the proxy keeps serving');
    });
  } finally {
    hostile.close();
  }
});

test('a host too long, with an empty label or a byte no name has is 400 before any open (CONNECT and GET)', async () => {
  const dialer = failingDialer(new StreamError('refused'));
  const long = `${'a'.repeat(60)}.`.repeat(5).slice(0, 300);
  await withProxy(dialer, async ({ port, send }) => {
    for (const host of [long, 'a..example', '.example', `${'b'.repeat(64)}.example`, 'a!b.example', 'a*b']) {
      const { status, socket } = await connectThrough(port, `${host}:443`);
      assert.equal(status, 400, host);
      socket.destroy();
      const res = await send(`http://${host}/`);
      assert.equal(res.status, 400, host);
      assert.match(res.body.toString(), /host|label/, host);
    }
    assert.deepEqual(dialer.opened, []);
    const ok = await send('http://under_score.example-1.test./');
    assert.equal(ok.status, 502, 'a sane name reaches the dialer');
    assert.deepEqual(dialer.opened, ['under_score.example-1.test.:80']);
  });
});
