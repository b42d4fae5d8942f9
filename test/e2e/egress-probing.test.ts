/**
 * The egress's probing resistance through the real CLI (issue 12 §4): `--path` and `--decoy` on a real
 * network of processes. Volunteers that know the path carry a transfer; a scanner at the same address gets
 * the decoy site, on the root and on the secret path alike.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { Network, run } from '../helpers/network.js';

const SECRET = '/4f0c1e7a9b2d8e35c6a1f0d2';

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('an egress on a secret path carries traffic; everything else gets its decoy site', async (t) => {
  const site = await mkdtemp(join(tmpdir(), 'starling-decoy-'));
  t.after(() => rm(site, { recursive: true, force: true }));
  await writeFile(join(site, 'index.html'), '<title>Garden club</title>tomatoes');
  const target = await startTarget();
  t.after(() => target.close());
  const net = await Network.start({ egressArgs: ['--path', SECRET, '--decoy', site] });
  t.after(() => net.stop());
  assert.ok(net.egressUrl.endsWith(SECRET), `the egress says its URL with the path: ${net.egressUrl}`);

  const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, '/bytes/200000');
  assert.equal(got.status, 200);
  assert.equal(got.sha, seededSha(200_000));

  const http = net.egressUrl.replace(/^ws:/, 'http:');
  const origin = new URL(http).origin;
  const home = await fetchText(`${origin}/`);
  assert.equal(home.status, 200);
  assert.match(home.body, /tomatoes/);
  // The secret path, asked as a web page, is just a page that is not there.
  assert.deepEqual(await fetchText(http), await fetchText(`${origin}/no-such-page`));
});

test('a bad --path is a usage error and a missing --decoy directory a startup error', async () => {
  const bad = run('egress', [
    'egress',
    '--listen',
    '127.0.0.1:0',
    '--key',
    '/nonexistent',
    '--path',
    'no-slash',
  ]);
  assert.equal(await bad.exited, 2);
  assert.match(bad.lines.join('\n'), /--path: path must start with \//);
  const missing = run('egress', [
    'egress',
    '--listen',
    '127.0.0.1:0',
    '--key',
    '/x',
    '--decoy',
    '/nonexistent/dir',
  ]);
  assert.equal(await missing.exited, 1);
  assert.match(missing.lines.join('\n'), /--decoy: \/nonexistent\/dir is not a readable directory/);
});
