/**
 * `/proxy.pac` (src/client/pac.ts): the script's decisions, run in a VM with the PAC helper functions, and
 * the file as the HTTP proxy serves it. Chromium following it: test/e2e/proxy-pac.test.ts.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { createHttpProxyServer } from '../../src/client/http-proxy.js';
import { proxyPac } from '../../src/client/pac.js';
import { NoPathError } from '../../src/shared/errors.js';
import { listen } from '../../src/shared/listen.js';
import { failingDialer } from './test-dialers.js';

/** Evaluates a PAC script the way browsers do, with the two helpers ours uses. */
function findProxy(pac: string, url: string): string {
  const host = new URL(url).hostname;
  const helpers = {
    dnsDomainIs: (h: string, d: string) => h.endsWith(d),
    shExpMatch: (s: string, glob: string) =>
      new RegExp(
        `^${glob
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      ).test(s),
  };
  return runInNewContext(
    `${pac}\nFindProxyForURL(${JSON.stringify(url)}, ${JSON.stringify(host)})`,
    helpers,
  ) as string;
}

test('everything goes through the HTTP proxy, then SOCKS5; never DIRECT, except this machine', () => {
  const pac = proxyPac('127.0.0.1:8080', '127.0.0.1:1080');
  const through = 'PROXY 127.0.0.1:8080; SOCKS5 127.0.0.1:1080; SOCKS 127.0.0.1:1080';
  for (const url of [
    'https://example.com/',
    'http://198.18.0.1:8000/x',
    'http://[2001:db8::1]/',
    'http://intranet/',
  ]) {
    assert.equal(findProxy(pac, url), through, url);
  }
  for (const url of [
    'http://localhost:3000/',
    'http://app.localhost/',
    'http://127.0.0.1/',
    'http://127.9.9.9/',
    'http://[::1]:80/',
  ]) {
    assert.equal(findProxy(pac, url), 'DIRECT', url);
  }
  assert.equal(findProxy(proxyPac('127.0.0.1:8080'), 'https://example.com/'), 'PROXY 127.0.0.1:8080');
});

test('the HTTP proxy serves it at /proxy.pac, naming the address it was reached on (for a wildcard SOCKS too)', async (t) => {
  const server = createHttpProxyServer(failingDialer(new NoPathError('unused')), {
    pacSocks: () => ({ host: '0.0.0.0', port: 1080 }),
  });
  const port = await listen(server, 0, '127.0.0.1');
  t.after(() => server.close());
  const { status, type, nosniff, body } = await new Promise<{
    status: number;
    type: string;
    nosniff: string;
    body: string;
  }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/proxy.pac', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          nosniff: String(res.headers['x-content-type-options']),
          body,
        }),
      );
    })
      .on('error', reject)
      .end();
  });
  assert.equal(status, 200);
  assert.equal(type, 'application/x-ns-proxy-autoconfig');
  assert.equal(nosniff, 'nosniff', 'a page cannot run it with <script src>');
  assert.equal(body, proxyPac(`127.0.0.1:${port}`, '127.0.0.1:1080'));
});
