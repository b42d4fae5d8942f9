/**
 * `/metrics` of real processes (docs/deploy.md, "Metrics"): egress, broker and volunteer, each on its own
 * `--metrics` listener, scraped before and after a real transfer through client -> volunteer -> egress,
 * read with a strict parser of the text format; the counters must have moved, people counts are binned.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { encodeKey } from '../../src/session/noise.js';
import { PATH_SUBPROTOCOL } from '../../src/shared/path.js';
import { getViaSocks, seededSha, socksConnect, startTarget, viaHttpProxy } from '../helpers/http-target.js';
import { Network, type Proc } from '../helpers/network.js';
import { type MetricFamily, sampleValue, scrape } from '../helpers/prometheus.js';

const MiB = 1024 * 1024;
const METRICS_LINE = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/;
let net: Network;
let target: Awaited<ReturnType<typeof startTarget>>;
const urls = { egress: '', broker: '', volunteer: '' };

before(async () => {
  target = await startTarget();
  const metrics = ['--metrics', '127.0.0.1:0'];
  net = await Network.start({
    volunteers: 0,
    client: false,
    deny: ['127.0.0.2/32'],
    egressArgs: metrics,
    brokerArgs: metrics,
  });
  const volunteer = await net.addVolunteer(metrics);
  const url = async (p: Proc) => (await p.waitFor(METRICS_LINE))[1]!;
  urls.egress = await url(net.egress);
  urls.broker = await url(net.broker);
  urls.volunteer = await url(volunteer);
});

after(async () => {
  await net?.stop();
  await target?.close();
});

type Families = Map<string, MetricFamily>;
const v = (f: Families, name: string, labels: Record<string, string> = {}) =>
  sampleValue(f, name, labels) ?? 0;

function typeOf(f: Families, name: string): string | undefined {
  return f.get(name)?.type;
}

/** A GET of the broker's /v1/info from `localAddress`: its own rate-limit source. */
function infoFrom(brokerUrl: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/v1/info', brokerUrl), { localAddress }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket to the egress that sends a message that is neither HELLO nor JOIN. */
function badHandshake(egressUrl: string): Promise<void> {
  const ws = new WebSocket(egressUrl, PATH_SUBPROTOCOL, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => ws.send(Buffer.from([1, 99, 0, 0])));
    ws.once('close', () => resolve());
    ws.once('error', reject);
  });
}

test('egress, broker and volunteer metrics move under a real transfer and are valid exposition', async () => {
  const before = {
    egress: await scrape(urls.egress),
    broker: await scrape(urls.broker),
    volunteer: await scrape(urls.volunteer),
  };
  for (const [name, type] of [
    ['starling_egress_sessions_open', 'gauge'],
    ['starling_egress_sessions_total', 'counter'],
    ['starling_egress_bytes_total', 'counter'],
    ['starling_egress_draining', 'gauge'],
  ] as const)
    assert.equal(typeOf(before.egress, name), type, name);
  assert.equal(typeOf(before.broker, 'starling_broker_match_seconds'), 'histogram');
  assert.equal(sampleValue(before.egress, 'starling_egress_sessions_total'), 0, 'a 0 sample, not none');
  assert.equal(sampleValue(before.broker, 'starling_broker_matches_total', { nat_pool: 'unknown' }), 0);
  assert.equal(v(before.egress, 'starling_egress_draining'), 0);
  assert.equal(v(before.volunteer, 'starling_volunteer_state', { state: 'waiting' }), 1);

  await net.startClient(1, encodeKey(net.keys.publicKey));
  const down = await getViaSocks(net.socksPort, '127.0.0.1', target.port, `/bytes/${3 * MiB}`);
  assert.equal(down.sha, seededSha(3 * MiB));
  const body = Buffer.alloc(2 * MiB, 0x5a);
  const up = await viaHttpProxy(net.httpPort, `http://127.0.0.1:${target.port}/sha`, 'POST', body);
  assert.equal(up.status, 200);
  await assert.rejects(socksConnect(net.socksPort, '127.0.0.2', target.port), { code: 2 });
  await badHandshake(net.egressUrl);

  const egress = await scrape(urls.egress);
  const broker = await scrape(urls.broker);
  const volunteer = await scrape(urls.volunteer);

  // Egress: one session, its path and streams, binned up to 8; bytes binned up to MiB.
  assert.equal(v(egress, 'starling_egress_sessions_total'), 8);
  assert.equal(v(egress, 'starling_egress_sessions_open'), 8);
  assert.equal(v(egress, 'starling_egress_paths_total'), 8, 'the client path and the bad one, binned');
  assert.equal(v(egress, 'starling_egress_streams_total') % 8, 0);
  assert.ok(v(egress, 'starling_egress_streams_total') >= 8);
  assert.ok(v(egress, 'starling_egress_bytes_total', { direction: 'down' }) >= 3 * MiB);
  assert.ok(v(egress, 'starling_egress_bytes_total', { direction: 'up' }) >= 2 * MiB);
  assert.equal(v(egress, 'starling_egress_bytes_total', { direction: 'up' }) % MiB, 0);
  assert.equal(v(egress, 'starling_egress_stream_refusals_total', { reason: 'not-allowed' }), 1);
  assert.equal(v(egress, 'starling_egress_handshake_failures_total', { reason: 'protocol' }), 1);

  // Broker: the client's match with the volunteer, in the "unknown" NAT pool, and its latency.
  assert.equal(v(broker, 'starling_broker_matches_total', { nat_pool: 'unknown' }), 8);
  assert.equal(v(broker, 'starling_broker_match_seconds_count'), 8);
  assert.ok(v(broker, 'starling_broker_offers_total', { outcome: 'matched' }) >= 1);
  assert.ok(v(broker, 'starling_broker_polls_total', { outcome: 'offer' }) >= 8);
  assert.ok(
    v(broker, 'starling_broker_requests_total', { route: 'offer', code: '200' }) >
      v(before.broker, 'starling_broker_requests_total', { route: 'offer', code: '200' }),
  );

  // Volunteer: a client served, bytes relayed, its polls counted.
  assert.equal(v(volunteer, 'starling_volunteer_clients_total'), 8);
  assert.ok(v(volunteer, 'starling_volunteer_bytes_total') >= 5 * MiB);
  assert.ok(
    v(volunteer, 'starling_volunteer_broker_requests_total', { route: 'poll', outcome: '200' }) >
      v(before.volunteer, 'starling_volunteer_broker_requests_total', { route: 'poll', outcome: '200' }),
  );
  assert.equal(v(volunteer, 'starling_volunteer_state', { state: 'helping' }), 1);
});

test('requests over the broker rate limit are counted by limit', async () => {
  const statuses: number[] = [];
  // Until the bucket (20, refilled at 5/s) is empty, however slow the machine, then once more.
  while (!statuses.includes(429) && statuses.length < 1000)
    statuses.push(await infoFrom(net.brokerUrl, '127.0.0.9'));
  statuses.push(await infoFrom(net.brokerUrl, '127.0.0.9'));
  assert.ok(statuses.includes(429), `statuses ${statuses.join(',')}`);
  const broker = await scrape(urls.broker);
  const limited = statuses.filter((s) => s === 429).length;
  assert.equal(v(broker, 'starling_broker_rate_limited_total', { limit: 'requests' }), limited);
  assert.equal(v(broker, 'starling_broker_requests_total', { route: 'info', code: '429' }), limited);
});

test('/metrics is only on the metrics listener, which answers nothing else', async () => {
  assert.equal((await fetch(new URL('/metrics', net.brokerUrl))).status, 404);
  const egressHttp = net.egressUrl.replace(/^ws/, 'http');
  assert.equal((await fetch(new URL('/metrics', egressHttp))).status, 404);
  assert.equal((await fetch(new URL('/healthz', egressHttp))).status, 404, 'no tell-tale health path');
  assert.equal((await fetch(new URL('/', urls.egress))).status, 404);
  assert.equal((await fetch(urls.egress, { method: 'POST' })).status, 405);
});
