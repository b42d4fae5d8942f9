/**
 * `starling egress` on SIGTERM drains (session-v1 §7, issue 9): clients hear GOAWAY over their session, a
 * stream in progress finishes, new WebSockets are refused, and the process exits 0. The real CLI process, a
 * real WebSocket and session from this process, a real TCP destination on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { webSocketPath } from '../../src/egress/ws-path.js';
import { startSession } from '../../src/session/client-handshake.js';
import { generateKeyPair } from '../../src/session/noise.js';
import { listen } from '../../src/shared/listen.js';
import { PATH_SUBPROTOCOL } from '../../src/shared/path.js';
import { run } from '../helpers/network.js';
import { sampleValue, scrape } from '../helpers/prometheus.js';
import { readAll } from '../helpers/session-pair.js';

const keys = generateKeyPair();
let dir: string;
let keyFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'starling-drain-'));
  keyFile = join(dir, 'key.json');
  await writeKeyFile(keyFile, keys);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A destination that sends `chunks` KiB, one every `everyMs`, then ends. */
async function slowSource(chunks: number, everyMs: number) {
  const server = createServer((sock: Socket) => {
    let sent = 0;
    const timer = setInterval(() => {
      sock.write(Buffer.alloc(1024, sent));
      sent += 1;
      if (sent === chunks) {
        clearInterval(timer);
        sock.end();
      }
    }, everyMs);
    sock.on('error', () => clearInterval(timer));
    sock.on('close', () => clearInterval(timer));
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { port, close: () => server.close() };
}

function openPath(url: string): Promise<WebSocket | number> {
  const ws = new WebSocket(url, PATH_SUBPROTOCOL, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

async function health(httpUrl: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL('/healthz', httpUrl));
  assert.equal(res.headers.get('content-type'), 'application/json');
  return { status: res.status, body: await res.json() };
}

test('SIGTERM: GOAWAY, the open stream finishes, new paths are refused, /healthz 503, exit 0', async () => {
  const source = await slowSource(30, 40);
  const egress = run('egress', [
    'egress',
    '--listen',
    '127.0.0.1:0',
    '--key',
    keyFile,
    '--allow-private',
    '--drain-timeout',
    '10000',
    '--metrics',
    '127.0.0.1:0',
  ]);
  try {
    const [, port] = await egress.waitFor(/listening on ws:\/\/127\.0\.0\.1:(\d+)\//);
    const url = `ws://127.0.0.1:${port}/`;
    const [, metricsUrl] = await egress.waitFor(/metrics on (http:\S+)/);
    assert.deepEqual(await health(metricsUrl!), { status: 200, body: { v: 1, ok: true } });
    assert.equal(sampleValue(await scrape(metricsUrl!), 'starling_egress_draining'), 0);
    const ws = await openPath(url);
    assert.ok(typeof ws !== 'number');
    const { session } = await startSession(webSocketPath(ws), keys.publicKey, 0);
    const goaway = new Promise<number>((resolve) => session.once('goaway', resolve));
    const stream = await session.openStream('127.0.0.1', source.port);
    const body = readAll(stream, 20_000);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    egress.child.kill('SIGTERM');
    const deadline = await goaway;
    assert.ok(deadline > 0 && deadline <= 10_000, `GOAWAY deadline ${deadline} ms`);
    assert.equal(await openPath(url), 503, 'a draining egress takes no new path');
    assert.deepEqual(await health(metricsUrl!), {
      status: 503,
      body: { v: 1, ok: false, draining: true },
    });
    const draining = await scrape(metricsUrl!);
    assert.equal(sampleValue(draining, 'starling_egress_draining'), 1);
    assert.equal(sampleValue(draining, 'starling_egress_path_refusals_total', { reason: 'draining' }), 1);
    await assert.rejects(session.openStream('127.0.0.1', source.port), /going away/);
    assert.equal((await body).length, 30 * 1024, 'the stream ran to its end');
    stream.end();
    assert.equal(await egress.exited, 0);
    assert.ok(egress.lines.some((l) => /draining/.test(l)));
    session.close();
  } finally {
    await egress.stop('SIGKILL');
    source.close();
  }
});
