import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { BROKER_CLIENT_DEFAULTS } from '../../src/shared/limits.js';
import { BrokerClient, type SignalingError } from '../../src/signaling/client.js';
import { EGRESS, isCode } from '../broker/helpers.js';

const TICKET = 't'.repeat(44);

/** A fetch that records requests and answers with `respond`. */
function fakeFetch(respond: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push({ url, init });
    return respond(url, init);
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

test('requests are versioned JSON on paths under the base URL', async () => {
  const { calls, fetch } = fakeFetch((url) =>
    url.endsWith('/v1/client/offer')
      ? jsonResponse(200, { v: 1, answer: { sdp: 'a', volunteer: 'volunteer-1' }, more: true })
      : jsonResponse(200, { v: 1, ticket: TICKET, offer: null, retryAfterMs: 900 }),
  );
  const client = new BrokerClient('https://broker.example/prefix', { fetch });
  assert.deepEqual(await client.offer({ nat: 'symmetric', sdp: 'o', exclude: ['volunteer-0'] }), {
    sdp: 'a',
    volunteer: 'volunteer-1',
  });
  assert.deepEqual(await client.poll({ ticket: TICKET, nat: 'unknown', egress: [EGRESS] }), {
    ticket: TICKET,
    offer: null,
    retryAfterMs: 900,
  });
  assert.equal(calls[0]?.url, 'https://broker.example/prefix/v1/client/offer');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(calls[0]?.init.body as Uint8Array)), {
    v: 1,
    nat: 'symmetric',
    sdp: 'o',
    exclude: ['volunteer-0'],
  });
  assert.equal(calls[0]?.init.credentials, 'omit');
  assert.equal(calls[1]?.url, 'https://broker.example/prefix/v1/volunteer/poll');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(calls[1]?.init.body as Uint8Array)), {
    v: 1,
    ticket: TICKET,
    nat: 'unknown',
    egress: [EGRESS],
  });
});

test('non-2xx answers become SignalingError with code, status and retry hint', async () => {
  const { fetch } = fakeFetch(() =>
    jsonResponse(503, { v: 1, error: 'none', code: 'no-match', retryAfterMs: 2500 }),
  );
  await assert.rejects(
    new BrokerClient('http://b.example', { fetch }).offer({ nat: 'unknown', sdp: 'x' }),
    (err) => {
      assert.ok(isCode('no-match', 503)(err));
      assert.equal((err as SignalingError).retryAfterMs, 2500);
      return true;
    },
  );
  const html = fakeFetch(
    () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'retry-after': '7' } }),
  );
  await assert.rejects(new BrokerClient('http://b.example', { fetch: html.fetch }).info(), (err) => {
    assert.ok(isCode('bad-response', 502)(err));
    assert.equal((err as SignalingError).retryAfterMs, 7000);
    return true;
  });
});

test('a malformed or oversize 200 answer is bad-response', async () => {
  const wrongVersion = fakeFetch(() => jsonResponse(200, { v: 2, egress: [EGRESS] }));
  await assert.rejects(
    new BrokerClient('http://b.example', { fetch: wrongVersion.fetch }).info(),
    isCode('bad-response', 200),
  );
  const notJson = fakeFetch(() => new Response('hello', { status: 200 }));
  await assert.rejects(
    new BrokerClient('http://b.example', { fetch: notJson.fetch }).info(),
    isCode('bad-response'),
  );
  const huge = fakeFetch(() => new Response('x'.repeat(2000), { status: 200 }));
  const small = new BrokerClient('http://b.example', { fetch: huge.fetch, maxResponseBytes: 1000 });
  await assert.rejects(small.info(), isCode('bad-response'));
});

test('an explicit undefined limit keeps its default instead of removing it', async () => {
  const cap = BROKER_CLIENT_DEFAULTS.maxResponseBytes;
  const over = fakeFetch(() => jsonResponse(200, { v: 1, egress: [EGRESS], pad: 'x'.repeat(cap) }));
  const client = new BrokerClient('http://b.example', { fetch: over.fetch, maxResponseBytes: undefined });
  await assert.rejects(client.info(), isCode('bad-response'));
  const hint = fakeFetch(() =>
    jsonResponse(503, { v: 1, error: 'busy', code: 'overloaded', retryAfterMs: 3_600_000 }),
  );
  const clamped = new BrokerClient('http://b.example', { fetch: hint.fetch, maxRetryAfterMs: undefined });
  await assert.rejects(clamped.info(), (err) => {
    assert.ok(isCode('overloaded', 503)(err));
    assert.equal((err as SignalingError).retryAfterMs, BROKER_CLIENT_DEFAULTS.maxRetryAfterMs);
    return true;
  });
});

test('every retry hint is clamped to maxRetryAfterMs: poll body, error body, Retry-After header', async () => {
  const poll = { nat: 'unknown', egress: [EGRESS] } as const;
  const far = fakeFetch(() => jsonResponse(200, { v: 1, ticket: TICKET, offer: null, retryAfterMs: 1e12 }));
  const client = new BrokerClient('http://b.example', { fetch: far.fetch, maxRetryAfterMs: 5000 });
  assert.deepEqual(await client.poll({ ...poll, egress: [...poll.egress] }), {
    ticket: TICKET,
    offer: null,
    retryAfterMs: 5000,
  });
  const header = fakeFetch(
    () => new Response('busy', { status: 503, headers: { 'retry-after': '9999999' } }),
  );
  const fromHeader = new BrokerClient('http://b.example', { fetch: header.fetch, maxRetryAfterMs: 5000 });
  await assert.rejects(fromHeader.info(), (err) => {
    assert.ok(isCode('bad-response', 503)(err));
    assert.equal((err as SignalingError).retryAfterMs, 5000);
    return true;
  });
});

test('a broker that cannot be reached is unreachable', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  await assert.rejects(new BrokerClient(`http://127.0.0.1:${port}`).info(), isCode('unreachable', 0));
});

test('the client gives up after requestTimeoutMs; the caller abort reason passes through', async () => {
  const hang = fakeFetch(
    (_url, init) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      }),
  );
  const client = new BrokerClient('http://b.example', { fetch: hang.fetch, requestTimeoutMs: 20 });
  await assert.rejects(client.info(), isCode('unreachable'));
  const patient = new BrokerClient('http://b.example', { fetch: hang.fetch });
  const ac = new AbortController();
  const reason = new Error('user stopped');
  const pending = patient.info(ac.signal);
  ac.abort(reason);
  await assert.rejects(pending, (err) => err === reason);
  await assert.rejects(patient.info(ac.signal), (err) => err === reason);
});
