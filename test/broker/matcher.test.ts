import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ClientRequest,
  chooseVolunteer,
  fits,
  natCompatible,
  pairingKey,
} from '../../src/broker/matcher.js';
import type { WaitingVolunteer } from '../../src/broker/store.js';
import type { NatClass } from '../../src/signaling/fields.js';

const A = 'ws://127.0.0.1:8701/';
const B = 'ws://127.0.0.1:8702/';

function vol(id: string, over: Partial<WaitingVolunteer> = {}): WaitingVolunteer {
  return { id, pollId: `poll-${id}`, nat: 'public', egress: [A], since: 100, source: 'src', ...over };
}
const req = (over: Partial<ClientRequest> = {}): ClientRequest => ({
  nat: 'unknown',
  egress: A,
  exclude: [],
  ...over,
});

test('NAT compatibility is the table the lab measured (docs/lab.md), unknown tried with anyone', () => {
  // client \ volunteer: public, cone, symmetric (docs/lab.md, "The NAT matrix, measured", STUN only).
  const measured: Record<string, boolean> = {
    'public/public': true,
    'public/cone': true,
    'public/symmetric': true,
    'cone/public': true,
    'cone/cone': true,
    'cone/symmetric': false,
    'symmetric/public': true,
    'symmetric/cone': false,
    'symmetric/symmetric': false,
  };
  for (const [pair, ok] of Object.entries(measured)) {
    const [c, v] = pair.split('/') as [NatClass, NatClass];
    assert.equal(natCompatible(v, c), ok, pair);
    assert.equal(fits(vol('x', { nat: v }), req({ nat: c })), ok, `${pair} direct`);
    assert.equal(fits(vol('x', { nat: v }), req({ nat: c, relay: true })), true, `${pair} relayed`);
  }
  const classes: NatClass[] = ['unknown', 'public', 'cone', 'symmetric'];
  for (const c of classes) {
    assert.ok(natCompatible('unknown', c) && natCompatible(c, 'unknown'), `unknown with ${c}`);
  }
  assert.equal(chooseVolunteer([vol('r1', { nat: 'symmetric' })], req({ nat: 'symmetric' })), undefined);
  assert.equal(chooseVolunteer([vol('r1', { nat: 'symmetric' })], req({ nat: 'unknown' }))?.id, 'r1');
  const pool = [vol('r1', { nat: 'symmetric', since: 1 }), vol('u1', { nat: 'public' })];
  assert.equal(chooseVolunteer(pool, req({ nat: 'symmetric' }))?.id, 'u1');
});

test('the least open class that fits goes first, so open volunteers stay for those who need them', () => {
  const pool = [
    vol('pub', { nat: 'public', since: 1 }),
    vol('cone', { nat: 'cone', since: 2 }),
    vol('sym', { nat: 'symmetric', since: 3 }),
  ];
  assert.equal(chooseVolunteer(pool, req({ nat: 'public' }))?.id, 'sym', 'a public client can reach anyone');
  assert.equal(chooseVolunteer(pool, req({ nat: 'cone' }))?.id, 'cone');
  assert.equal(chooseVolunteer(pool, req({ nat: 'symmetric' }))?.id, 'pub', 'only the public one reaches it');
  assert.equal(chooseVolunteer(pool, req({ nat: 'symmetric', relay: true }))?.id, 'sym', 'relayed: anyone');
  // Within a class, the longest wait.
  const cones = [vol('late', { nat: 'cone', since: 9 }), vol('early', { nat: 'cone', since: 4 })];
  assert.equal(chooseVolunteer(cones, req({ nat: 'cone' }))?.id, 'early');
});

test('volunteers matched lately with the source, or failing, go last but are not refused', () => {
  const pool = [vol('a', { since: 1 }), vol('b', { since: 2 }), vol('c', { since: 3 })];
  assert.equal(chooseVolunteer(pool, req({ recent: ['a'] }))?.id, 'b');
  assert.equal(chooseVolunteer(pool, req({ recent: ['a', 'b'] }))?.id, 'c');
  assert.equal(chooseVolunteer(pool, req({ recent: ['a', 'b', 'c'] }))?.id, 'a');
  assert.equal(chooseVolunteer(pool, req({ failing: new Set(['a']) }))?.id, 'b');
  assert.equal(chooseVolunteer(pool, req({ failing: new Set(['b']), recent: ['a'] }))?.id, 'c');
  assert.equal(chooseVolunteer([vol('a')], req({ failing: new Set(['a']) }))?.id, 'a');
});

test('proven volunteers go before those with no record, whatever NAT class the others declare', () => {
  const pool = [
    vol('crowd-1', { nat: 'symmetric', since: 1 }),
    vol('crowd-2', { nat: 'symmetric', since: 2 }),
    vol('proven', { nat: 'public', since: 9 }),
  ];
  // Without records the least open class and the longest wait decide (a declared class buys the crowd this).
  assert.equal(chooseVolunteer(pool, req({ nat: 'public' }))?.id, 'crowd-1');
  const proven = new Set(['proven']);
  assert.equal(chooseVolunteer(pool, req({ nat: 'public', proven }))?.id, 'proven');
  // Not matched lately with this source and not failing come first still; unproven ones are not refused.
  assert.equal(chooseVolunteer(pool, req({ nat: 'public', proven, recent: ['proven'] }))?.id, 'crowd-1');
  assert.equal(chooseVolunteer(pool, req({ nat: 'public', proven, failing: proven }))?.id, 'crowd-1');
  assert.equal(chooseVolunteer(pool, req({ nat: 'public', proven: new Set() }))?.id, 'crowd-1');
});

test('a direct pairing that keeps failing is not offered; relayed it still is', () => {
  const failingPairings = new Set([pairingKey('cone', 'cone', false)]);
  const pool = [vol('c', { nat: 'cone' })];
  assert.equal(chooseVolunteer(pool, req({ nat: 'cone', failingPairings })), undefined);
  assert.equal(chooseVolunteer(pool, req({ nat: 'cone', failingPairings, relay: true }))?.id, 'c');
  assert.equal(chooseVolunteer(pool, req({ nat: 'public', failingPairings }))?.id, 'c');
});

test('egress must be on the allow-list', () => {
  const pool = [vol('onlyB', { egress: [B], since: 1 }), vol('both', { egress: [B, A] })];
  assert.equal(chooseVolunteer(pool, req({ egress: A }))?.id, 'both');
  assert.equal(chooseVolunteer(pool, req({ egress: B }))?.id, 'onlyB');
  assert.equal(chooseVolunteer(pool, req({ egress: 'ws://127.0.0.1:9999/' })), undefined);
  assert.equal(fits(pool[0]!, req({ egress: A })), false);
});

test('excluded volunteers are skipped', () => {
  const pool = [vol('first-1', { since: 1 }), vol('second-2')];
  assert.equal(chooseVolunteer(pool, req({ exclude: ['first-1'] }))?.id, 'second-2');
  assert.equal(chooseVolunteer(pool, req({ exclude: ['first-1', 'second-2'] })), undefined);
});

test('the longest-waiting poll first, and nothing a volunteer declares changes that', () => {
  const pool = [vol('young', { since: 300 }), vol('oldest', { since: 10 }), vol('older', { since: 200 })];
  assert.equal(chooseVolunteer(pool, req())?.id, 'oldest');
  assert.equal(chooseVolunteer([...pool].reverse(), req())?.id, 'oldest');
  assert.equal(chooseVolunteer(pool, req({ exclude: ['oldest'] }))?.id, 'older');
  assert.equal(chooseVolunteer([], req()), undefined);
  // Earlier drafts ordered by a declared capacity; a record carrying one is ordered by its wait alone.
  const boasting = { ...vol('boaster', { since: 250 }), capacity: 64 };
  assert.equal(chooseVolunteer([boasting, vol('modest', { since: 200 })], req())?.id, 'modest');
});

test('pool key: a volunteer fits only requests for its own pool (signaling-v1 §8)', () => {
  const pool = [vol('public'), vol('paired', { pool: 'fFRIEND' }), vol('other', { pool: 'fOTHER' })];
  assert.equal(chooseVolunteer(pool, req())?.id, 'public');
  assert.equal(chooseVolunteer(pool, req({ pool: 'fFRIEND' }))?.id, 'paired');
  assert.equal(chooseVolunteer(pool, req({ pool: 'fNOBODY' })), undefined);
  assert.equal(chooseVolunteer([vol('paired', { pool: 'fFRIEND' })], req()), undefined);
  assert.equal(fits(vol('public'), req({ pool: 'fFRIEND' })), false);
});
