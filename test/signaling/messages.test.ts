import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isId, normalizeEgressUrls, randomId } from '../../src/signaling/fields.js';
import {
  decodeAnswerRequest,
  decodeErrorBody,
  decodeInfoResponse,
  decodeOfferRequest,
  decodePollRequest,
  decodePollResponse,
  encodePollResponse,
  parseJson,
  SIGNALING_LIMITS,
  SignalingError,
} from '../../src/signaling/messages.js';

const EGRESS = 'ws://127.0.0.1:8701/';
const TICKET = 'a'.repeat(44);
const poll = { v: 1, ticket: TICKET, nat: 'public', egress: [EGRESS] };

function rejects(fn: () => unknown, code: string, match?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SignalingError);
    assert.equal(err.code, code);
    if (match !== undefined) assert.match(err.message, match);
    return true;
  });
}

test('a valid poll decodes; unknown fields are ignored, a volunteer-chosen id and capacity too', () => {
  const req = decodePollRequest({ ...poll, future: { x: 1 }, id: 'my-own-id-1', capacity: 64 });
  assert.deepEqual(req, { ticket: TICKET, nat: 'public', egress: [EGRESS] });
  const first = decodePollRequest({ v: 1, nat: 'unknown', egress: [EGRESS] });
  assert.deepEqual(first, { nat: 'unknown', egress: [EGRESS] }, 'a first poll has no ticket');
});

test('version is checked before any other field', () => {
  rejects(() => decodePollRequest({ id: 1 }), 'bad-request', /missing version/);
  rejects(() => decodePollRequest({ v: 2 }), 'bad-request', /unsupported version/);
  rejects(() => decodePollRequest({ ...poll, v: '1' }), 'bad-request');
  rejects(() => decodeOfferRequest({ v: 0, nat: 'x', sdp: 'y' }), 'bad-request', /version/);
  rejects(() => decodeAnswerRequest([1]), 'bad-request', /object/);
  rejects(() => decodeAnswerRequest(null), 'bad-request', /object/);
  rejects(() => decodeAnswerRequest('{"v":1}'), 'bad-request', /object/);
});

test('missing required fields are 400 naming the field', () => {
  for (const field of ['nat', 'egress'] as const) {
    const body: Record<string, unknown> = { ...poll };
    delete body[field];
    rejects(() => decodePollRequest(body), 'bad-request', new RegExp(`"${field}"`));
  }
  rejects(() => decodeAnswerRequest({ v: 1, sdp: 'x' }), 'bad-request', /offerId/);
  rejects(() => decodeAnswerRequest({ v: 1, offerId: 'abcdefgh12' }), 'bad-request', /sdp/);
  rejects(() => decodeOfferRequest({ v: 1, sdp: 'x' }), 'bad-request', /nat/);
});

test('wrong types are 400', () => {
  rejects(() => decodePollRequest({ ...poll, ticket: 12345678 }), 'bad-request', /"ticket"/);
  rejects(() => decodePollRequest({ ...poll, ticket: 'short' }), 'bad-request', /"ticket"/);
  rejects(() => decodePollRequest({ ...poll, ticket: 'has space 12' }), 'bad-request', /"ticket"/);
  rejects(() => decodePollRequest({ ...poll, ticket: 'a'.repeat(65) }), 'bad-request', /"ticket"/);
  rejects(() => decodePollRequest({ ...poll, nat: 3 }), 'bad-request', /"nat"/);
  rejects(() => decodePollRequest({ ...poll, egress: EGRESS }), 'bad-request', /"egress"/);
  rejects(() => decodeOfferRequest({ v: 1, nat: 'unknown', sdp: 5 }), 'bad-request', /"sdp"/);
  rejects(() => decodeOfferRequest({ v: 1, nat: 'unknown', sdp: 'x', exclude: 'abcdefgh' }), 'bad-request');
  rejects(() => decodeOfferRequest({ v: 1, nat: 'unknown', sdp: 'x', exclude: [1] }), 'bad-request');
  rejects(() => decodeOfferRequest({ v: 1, nat: 'unknown', sdp: 'x', egress: 7 }), 'bad-request');
});

test('sdp length is bounded', () => {
  const max = 'a'.repeat(SIGNALING_LIMITS.maxSdpChars);
  assert.equal(
    decodeOfferRequest({ v: 1, nat: 'unknown', sdp: max }).sdp.length,
    SIGNALING_LIMITS.maxSdpChars,
  );
  rejects(() => decodeOfferRequest({ v: 1, nat: 'unknown', sdp: `${max}a` }), 'bad-request', /sdp/);
  rejects(() => decodeOfferRequest({ v: 1, nat: 'unknown', sdp: '' }), 'bad-request', /sdp/);
  rejects(() => decodeAnswerRequest({ v: 1, offerId: 'abcdefgh12', sdp: `${max}a` }), 'bad-request', /sdp/);
});

test('egress URLs: ws/wss only, bounded, no credentials or fragment, normalized', () => {
  for (const url of [
    'http://127.0.0.1/',
    'not a url',
    'ws://user:pw@127.0.0.1/',
    'ws://127.0.0.1/#frag',
    `ws://127.0.0.1/${'a'.repeat(2048)}`,
    '',
  ]) {
    rejects(() => decodePollRequest({ ...poll, egress: [url] }), 'bad-request', /egress/);
    rejects(
      () => decodeOfferRequest({ v: 1, nat: 'unknown', sdp: 'x', egress: url }),
      'bad-request',
      /egress/,
    );
  }
  const req = decodePollRequest({
    ...poll,
    egress: ['WS://127.0.0.1:8701', EGRESS, 'wss://example.org/a/../b'],
  });
  assert.deepEqual(req.egress, [EGRESS, 'wss://example.org/b']);
  rejects(() => decodePollRequest({ ...poll, egress: [] }), 'bad-request', /egress/);
  const many = Array.from({ length: 17 }, (_, i) => `ws://127.0.0.1:${9000 + i}/`);
  rejects(() => decodePollRequest({ ...poll, egress: many }), 'bad-request', /egress/);
  rejects(() => decodeInfoResponse({ v: 1, egress: many }), 'bad-request', /at most 16/);
  assert.deepEqual(decodeInfoResponse({ v: 1, egress: many.slice(1) }).egress.length, 16);
});

test('one normalizer for every egress list: too many, a bad entry, duplicates', () => {
  assert.deepEqual(normalizeEgressUrls([]), []);
  assert.deepEqual(normalizeEgressUrls(['ws://127.0.0.1:8701', EGRESS, 'WSS://h/']), [EGRESS, 'wss://h/']);
  const many = Array.from({ length: 17 }, () => EGRESS);
  assert.throws(() => normalizeEgressUrls(many), RangeError, 'counted before duplicates are dropped');
  assert.throws(() => normalizeEgressUrls([EGRESS, 'http://x/']), {
    name: 'TypeError',
    message: /"http:\/\/x\/"/,
  });
  assert.throws(() => normalizeEgressUrls([7]), { name: 'TypeError', message: /a number/ });
});

test('unknown nat strings are read as unknown', () => {
  assert.equal(decodePollRequest({ ...poll, nat: 'symmetric-ish' }).nat, 'unknown');
  assert.equal(decodePollRequest({ ...poll, nat: 'symmetric' }).nat, 'symmetric');
  assert.equal(decodeOfferRequest({ v: 1, nat: '', sdp: 'x' }).nat, 'unknown');
});

test('offer request: egress optional, exclude bounded', () => {
  assert.deepEqual(decodeOfferRequest({ v: 1, nat: 'symmetric', sdp: 'x' }), {
    nat: 'symmetric',
    sdp: 'x',
    exclude: [],
  });
  const ids = Array.from({ length: 17 }, (_, i) => `volunteer-${i}`);
  assert.deepEqual(
    decodeOfferRequest({ v: 1, nat: 'unknown', sdp: 'x', exclude: ids.slice(0, 16) }).exclude,
    ids.slice(0, 16),
  );
  rejects(
    () => decodeOfferRequest({ v: 1, nat: 'unknown', sdp: 'x', exclude: ids }),
    'bad-request',
    /exclude/,
  );
});

test('malformed JSON is 400', () => {
  rejects(() => parseJson('{"v":1,'), 'bad-request', /JSON/);
  assert.deepEqual(parseJson('{"v":1}'), { v: 1 });
});

test('poll responses round-trip and error bodies rebuild the error', () => {
  const offer = { id: 'offer-123456', sdp: 'v=0', egress: EGRESS };
  const ticket = TICKET;
  assert.deepEqual(decodePollResponse(encodePollResponse({ ticket, offer, retryAfterMs: 0 })), {
    ticket,
    offer,
    retryAfterMs: 0,
  });
  assert.deepEqual(decodePollResponse(encodePollResponse({ ticket, offer: null, retryAfterMs: 1000 })), {
    ticket,
    offer: null,
    retryAfterMs: 1000,
  });
  rejects(() => decodePollResponse({ v: 1, ticket, offer: null }), 'bad-request', /retryAfterMs/);
  rejects(() => decodePollResponse({ v: 1, offer: null, retryAfterMs: 1 }), 'bad-request', /ticket/);
  const err = decodeErrorBody({ v: 1, error: 'busy', code: 'no-match', retryAfterMs: 1500 }, 503);
  assert.ok(err instanceof SignalingError);
  assert.equal(err.code, 'no-match');
  assert.equal(err.status, 503);
  assert.equal(err.retryAfterMs, 1500);
  assert.equal(decodeErrorBody({ v: 1, error: 'x', code: 'from-the-future' }, 418)?.code, 'bad-response');
  assert.equal(decodeErrorBody('<html>', 502), undefined);
});

test('randomId makes distinct ids of the id format; isId checks that format', () => {
  const ids = new Set(Array.from({ length: 100 }, () => randomId()));
  assert.equal(ids.size, 100);
  for (const id of ids) {
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(isId(id), true);
  }
  assert.equal(isId('abcdefgh'), true);
  assert.equal(isId('x'.repeat(64)), true);
  for (const bad of [
    'abcdefg',
    'x'.repeat(65),
    'has space1',
    'slash/1234',
    'plus+12345',
    12345678,
    undefined,
  ]) {
    assert.equal(isId(bad), false, String(bad));
  }
});
