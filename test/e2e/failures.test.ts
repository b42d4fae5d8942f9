/** What users see when things are wrong: no volunteer, a wrong egress key, bad flags. Real processes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { socksConnect, startTarget, viaHttpProxy } from '../helpers/http-target.js';
import { Network, run } from '../helpers/network.js';

test('with no volunteer, a request fails with a clear error and never goes direct', async () => {
  const target = await startTarget();
  let connections = 0;
  target.server.on('connection', () => {
    connections += 1;
  });
  const net = await Network.start({ volunteers: 0, paths: 1 });
  try {
    await assert.rejects(socksConnect(net.socksPort, '127.0.0.1', target.port), { code: 1 });
    const viaHttp = await viaHttpProxy(net.httpPort, `http://127.0.0.1:${target.port}/bytes/10`);
    assert.equal(viaHttp.status, 502);
    assert.match(viaHttp.body, /volunteer/i);
    assert.equal(connections, 0, 'nothing reached the destination by any other way');
  } finally {
    await net.stop();
    await target.close();
  }
});

test('a client pinned to another key never stops: it says the key may be wrong, keeps trying, exits 0 on SIGTERM', async () => {
  const net = await Network.start({ volunteers: 2, client: false });
  try {
    const client = await net.startClient(1, encodeKey(generateKeyPair().publicKey));
    await client.waitFor(
      /starling client: no egress handshake succeeded through 2 volunteers in \d+ s: the egress key may be wrong/,
      30_000,
    );
    assert.equal(client.child.exitCode, null, 'still running: a wrong key looks like hostile volunteers');
    await client.stop('SIGTERM');
    assert.equal(await client.exited, 0);
  } finally {
    await net.stop();
  }
});

for (const [args, pattern] of [
  [['egress', '--listen', 'nowhere', '--key', 'x'], /--listen/],
  [['client'], /--egress-key/],
  [['client', '--egress-key', 'short'], /key/],
  [['volunteer', '--broker', 'ftp://x/'], /--broker/],
  [['volunteer', '--max-clients', '0'], /--max-clients/],
  [['broker', '--egress', 'http://not-ws/'], /--egress/],
  [['demo', '--volunteers', 'many'], /--volunteers/],
  [['frobnicate'], /unknown command/],
  [['volunteer', '--stun', 'http://stun.example/'], /--stun/],
  [['client', '--egress-key', 'x'.repeat(43), '--stun', 'nonsense'], /--stun|key/],
  [['egress', '--key', '/nonexistent/key.json'], /key file/],
  [['volunteer', '--broker', 'http://broker.example/'], /--allow-egress is required/],
  [['volunteer', '--broker', 'http://broker.example/', '--trust-broker-egress'], /needs an https: broker/],
  [['egress', '--key', '/nonexistent/key.json', '--deny-port', 'smtp'], /--deny-port/],
  [['egress', '--key', '/nonexistent/key.json', '--allow-port', '0'], /--allow-port/],
  [['egress', '--key', '/nonexistent/key.json', '--max-sockets', '0'], /--max-sockets/],
] as const) {
  test(`starling ${args.join(' ')} exits non-zero with a message`, async () => {
    const p = run('cli', [...args]);
    const code = await p.exited;
    assert.notEqual(code, 0);
    assert.match(p.lines.join('\n'), pattern);
  });
}

test('an egress key that starts with a dash is taken as the value of --egress-key', async () => {
  let key = '';
  while (!key.startsWith('-')) key = encodeKey(generateKeyPair().publicKey);
  const p = run('client', [
    'client',
    '--egress-key',
    key,
    '--broker',
    'http://127.0.0.1:9/',
    '--socks',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
  ]);
  try {
    await p.waitFor(/SOCKS5 proxy on/);
  } finally {
    await p.stop('SIGKILL');
  }
});
