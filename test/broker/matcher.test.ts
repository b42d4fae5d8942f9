import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ClientRequest, chooseVolunteer, fits, natCompatible } from '../../src/broker/matcher.js';
import type { WaitingVolunteer } from '../../src/broker/store.js';
import type { NatClass } from '../../src/signaling/fields.js';

const A = 'ws://127.0.0.1:8701/';
const B = 'ws://127.0.0.1:8702/';

function vol(id: string, over: Partial<WaitingVolunteer> = {}): WaitingVolunteer {
  return { id, pollId: `poll-${id}`, nat: 'unrestricted', egress: [A], since: 100, source: 'src', ...over };
}
const req = (over: Partial<ClientRequest> = {}): ClientRequest => ({
  nat: 'unknown',
  egress: A,
  exclude: [],
  ...over,
});

test('NAT compatibility: only restricted with restricted fails', () => {
  const classes: NatClass[] = ['unknown', 'unrestricted', 'restricted'];
  for (const v of classes) {
    for (const c of classes)
      assert.equal(natCompatible(v, c), !(v === 'restricted' && c === 'restricted'), `${v}/${c}`);
  }
  assert.equal(chooseVolunteer([vol('r1', { nat: 'restricted' })], req({ nat: 'restricted' })), undefined);
  assert.equal(chooseVolunteer([vol('r1', { nat: 'restricted' })], req({ nat: 'unknown' }))?.id, 'r1');
  const pool = [vol('r1', { nat: 'restricted', since: 1 }), vol('u1', { nat: 'unrestricted' })];
  assert.equal(chooseVolunteer(pool, req({ nat: 'restricted' }))?.id, 'u1');
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
