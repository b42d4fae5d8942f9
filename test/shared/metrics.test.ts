/** The Prometheus text writer (src/shared/metrics.ts), read back by the strict parser of the tests. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry } from '../../src/shared/metrics.js';
import { parseExposition, sampleValue } from '../helpers/prometheus.js';

test('counters, gauges and histograms render as valid exposition with HELP and TYPE', () => {
  const r = new MetricsRegistry();
  const c = r.counter('x_requests_total', 'Requests.\nBy route \\ code.');
  c.inc({ route: 'poll', code: '200' });
  c.inc({ route: 'poll', code: '200' }, 2);
  c.inc({ route: 'a"b\\c\nd', code: '404' });
  r.gauge('x_open', 'Open now.').collect(() => 5);
  const h = r.histogram('x_seconds', 'Latency.', [0.1, 1, 0.5]);
  for (const v of [0.05, 0.3, 0.3, 2]) h.observe(v);
  const text = r.render();
  assert.match(
    text,
    /^# HELP x_requests_total Requests\.\\nBy route \\\\ code\.\n# TYPE x_requests_total counter\n/,
  );
  const f = parseExposition(text);
  assert.equal(f.get('x_requests_total')?.type, 'counter');
  assert.equal(f.get('x_requests_total')?.help, 'Requests.\nBy route \\ code.');
  assert.equal(sampleValue(f, 'x_requests_total', { route: 'poll', code: '200' }), 3);
  assert.equal(sampleValue(f, 'x_requests_total', { route: 'a"b\\c\nd', code: '404' }), 1, 'label escaping');
  assert.equal(sampleValue(f, 'x_open'), 5);
  assert.equal(sampleValue(f, 'x_seconds_bucket', { le: '0.1' }), 1);
  assert.equal(sampleValue(f, 'x_seconds_bucket', { le: '0.5' }), 3);
  assert.equal(sampleValue(f, 'x_seconds_bucket', { le: '1' }), 3);
  assert.equal(sampleValue(f, 'x_seconds_bucket', { le: '+Inf' }), 4);
  assert.equal(sampleValue(f, 'x_seconds_count'), 4);
  assert.ok(Math.abs((sampleValue(f, 'x_seconds_sum') ?? 0) - 2.65) < 1e-9);
});

test('binned values round up to a multiple of the bin, 0 stays 0, and stay monotonic', () => {
  const r = new MetricsRegistry();
  const c = r.counter('x_sessions_total', 'Sessions.', { bin: 8 });
  const h = r.histogram('x_match_seconds', 'Latency.', [1], { bin: 8 });
  assert.equal(
    sampleValue(parseExposition(r.render()), 'x_sessions_total'),
    undefined,
    'untouched: no series',
  );
  c.inc();
  h.observe(0.5);
  let f = parseExposition(r.render());
  assert.equal(sampleValue(f, 'x_sessions_total'), 8);
  assert.equal(sampleValue(f, 'x_match_seconds_bucket', { le: '1' }), 8);
  assert.equal(sampleValue(f, 'x_match_seconds_count'), 8);
  c.inc({}, 8);
  f = parseExposition(r.render());
  assert.equal(sampleValue(f, 'x_sessions_total'), 16);
  const g = r.gauge('x_open', 'Open.', { bin: 8 }).collect(() => 0);
  assert.equal(g.value(), 0);
});

test('bad names, label names, duplicates and a falling counter are refused', () => {
  const r = new MetricsRegistry();
  assert.throws(() => r.counter('1bad', 'x'), /bad metric name/);
  r.counter('ok_total', 'x');
  assert.throws(() => r.counter('ok_total', 'x'), /defined twice/);
  const c = r.counter('c_total', 'x');
  assert.throws(() => c.inc({ 'bad-label': 'v' }), /bad label name/);
  assert.throws(() => c.inc({ le: 'v' }), /bad label name/);
  assert.throws(() => c.inc({}, -1), /only goes up/);
  assert.throws(() => r.histogram('h', 'x', []), /buckets/);
});

test('the strict parser refuses what the format forbids', () => {
  const bad = [
    'x_total 1\n', // no TYPE
    '# TYPE x counter\nx 1', // no final newline
    '# TYPE x counter\nx{a="\\t"} 1\n', // bad escape
    '# TYPE x counter\nx 1\nx 2\n', // duplicate series
    '# TYPE x counter\nx -1\n', // falling counter
    '# TYPE x gauge\n# TYPE y gauge\ny 1\nx 1\n', // x split around y
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
  ];
  for (const text of bad) assert.throws(() => parseExposition(text), Error, JSON.stringify(text));
});
