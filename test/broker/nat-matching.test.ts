/**
 * Issue 10 in the broker (signaling-v1 §3, §6, §7, §11), without sockets: ICE servers with coturn
 * credentials in `info()`, matching by NAT class, relay-only offers, the no-match reason, a source's paths
 * through different volunteers, and what outcome reports teach.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { BrokerKeys } from '../../src/broker/keys.js';
import { MemoryStore } from '../../src/broker/memory-store.js';
import { BrokerService, type BrokerServiceDeps } from '../../src/broker/service.js';
import type { NatClass } from '../../src/signaling/fields.js';
import type { PollResponse } from '../../src/signaling/messages.js';
import { EGRESS, isCode, until } from './helpers.js';

const SRC = 'source-key-nat';

function setup(deps: BrokerServiceDeps = {}, answerTimeoutMs = 5_000) {
  const store = new MemoryStore();
  const service = new BrokerService(store, [EGRESS], { pollTimeoutMs: 5_000, answerTimeoutMs }, deps);
  const keys = new BrokerKeys(store.secret);
  const tickets = new Map<string, { id: string; ticket: string }>();
  const who = (name: string) => {
    const known = tickets.get(name) ?? keys.newVolunteer();
    tickets.set(name, known);
    return known;
  };
  const poll = (name: string, nat: NatClass, ac = new AbortController(), source = `vol-src-${name}`) =>
    service.poll({ ticket: who(name).ticket, nat, egress: [EGRESS] }, source, ac.signal);
  const nameOf = (id: string) => [...tickets].find(([, v]) => v.id === id)?.[0];
  return { store, service, poll, nameOf };
}

/** Lets the polls made so far join the pool: the broker reads each volunteer's record first (§7). */
const joined = (): Promise<void> => new Promise((r) => setImmediate(r));

async function answer(service: BrokerService, poll: Promise<PollResponse>): Promise<PollResponse> {
  const got = await poll;
  if (got.offer !== null) await service.answer({ offerId: got.offer.id, sdp: 'v=0 answer' });
  return got;
}

test('info: STUN as configured, TURN with coturn credentials that expire (signaling-v1 §3)', () => {
  const secret = 'operator-secret-0123456789';
  const now = 1_700_000_000_000;
  const { service } = setup({
    now: () => now,
    ice: {
      stun: ['stun:198.18.0.1:3478', 'stun:198.18.0.2:3478'],
      turn: { urls: ['turn:198.18.0.1:3478'], secret },
    },
  });
  const info = service.info();
  assert.equal(info.iceServers?.length, 2);
  assert.deepEqual(info.iceServers?.[0], { urls: ['stun:198.18.0.1:3478', 'stun:198.18.0.2:3478'] });
  const turn = info.iceServers?.[1];
  assert.deepEqual(turn?.urls, ['turn:198.18.0.1:3478']);
  const [expiry] = turn?.username?.split(':') ?? [];
  assert.equal(Number(expiry), Math.floor((now + 1_200_000) / 1000), 'valid for turnCredentialTtlMs');
  assert.equal(
    turn?.credential,
    createHmac('sha1', secret)
      .update(turn?.username ?? '')
      .digest('base64'),
  );
  assert.ok(!JSON.stringify(info).includes(secret), 'the secret itself is never sent');
  assert.notEqual(service.info().iceServers?.[1]?.username, turn?.username, 'fresh credentials each time');
  assert.equal(info.iceTtlMs, 1_200_000);
  assert.equal(setup().service.info().iceServers, undefined, 'none configured: none sent');
});

test('a symmetric client is matched with the public volunteer, not the cone one that waited longer', async () => {
  const { service, poll, nameOf } = setup();
  const cone = poll('cone', 'cone');
  await new Promise((r) => setTimeout(r, 5));
  const pub = poll('pub', 'public');
  await joined();
  const offer = service.offer({ nat: 'symmetric', sdp: 'v=0 o', exclude: [] }, SRC);
  const got = await answer(service, pub);
  assert.ok(got.offer !== null);
  assert.equal(nameOf((await offer).volunteer), 'pub');
  // The cone client now takes the cone volunteer.
  const second = service.offer({ nat: 'cone', sdp: 'v=0 o2', exclude: [] }, 'other-src');
  await answer(service, cone);
  assert.equal(nameOf((await second).volunteer), 'cone');
});

test('no reachable volunteer: the reason names the NAT and TURN; a relay-only offer then matches', async () => {
  const noTurn = setup();
  const ac = new AbortController();
  const waiting = noTurn.poll('sym', 'symmetric', ac);
  await until(() => noTurn.store.size.waiting === 1);
  await assert.rejects(noTurn.service.offer({ nat: 'symmetric', sdp: 'v=0 o', exclude: [] }, SRC), (e) => {
    assert.ok(isCode('no-match')(e));
    assert.match(
      (e as Error).message,
      /no volunteer reachable from your network \(symmetric NAT\) is free; TURN not configured/,
    );
    return true;
  });
  ac.abort();
  await waiting;

  const withTurn = setup({
    ice: { stun: [], turn: { urls: ['turn:198.18.0.1:3478'], secret: 'x'.repeat(20) } },
  });
  const sym = withTurn.poll('sym', 'symmetric');
  await joined();
  await until(() => withTurn.store.size.waiting === 1);
  await assert.rejects(
    withTurn.service.offer({ nat: 'cone', sdp: 'v=0 o', exclude: [] }, SRC),
    /offer again with relay candidates only/,
  );
  const relayed = withTurn.service.offer({ nat: 'cone', sdp: 'v=0 r', exclude: [], relay: true }, SRC);
  const got = await answer(withTurn.service, sym);
  assert.equal(got.offer?.relay, true, 'the volunteer is told to answer relay-only');
  assert.equal(withTurn.nameOf((await relayed).volunteer), 'sym');
});

test("a source's next match goes to another volunteer when one is free", async () => {
  const { service, poll, nameOf } = setup();
  const first = [poll('a', 'public'), poll('b', 'public')];
  await joined();
  await new Promise((r) => setTimeout(r, 5));
  const o1 = service.offer({ nat: 'public', sdp: 'v=0 1', exclude: [] }, SRC);
  const got = await Promise.race(
    first.map((p) => p.then((r) => (r.offer ? r : new Promise<never>(() => {})))),
  );
  await service.answer({ offerId: got.offer!.id, sdp: 'a' });
  const v1 = nameOf((await o1).volunteer)!;
  // v1 polls again and waits longer than the other one now; the source still gets the other.
  const again = poll(v1, 'public');
  await joined();
  const other = v1 === 'a' ? first[1]! : first[0]!;
  const o2 = service.offer({ nat: 'public', sdp: 'v=0 2', exclude: [] }, SRC);
  await answer(service, other);
  assert.notEqual(nameOf((await o2).volunteer), v1);
  const o3 = service.offer({ nat: 'public', sdp: 'v=0 3', exclude: [] }, 'someone-else');
  await answer(service, again);
  assert.equal(nameOf((await o3).volunteer), v1);
});

test('outcomes: a volunteer that keeps failing goes last; a pairing that keeps failing is not offered', async () => {
  const { service, poll, nameOf } = setup();
  const report = async (nat: NatClass, name: string, connected: boolean, source = SRC): Promise<string> => {
    const p = poll(name, 'cone');
    await joined();
    const o = service.offer({ nat, sdp: 'v=0 o', exclude: [] }, source);
    await answer(service, p);
    const a = await o;
    assert.equal(nameOf(a.volunteer), name);
    await service.outcome({ match: a.match!, connected }, source);
    return a.match!;
  };
  // A report from another source, or a second one, counts nothing.
  const match = await report('cone', 'bad', false, 'src-0');
  await service.outcome({ match, connected: false }, 'src-0');
  await service.outcome({ match, connected: false }, 'src-x');
  for (let i = 1; i < 3; i++) await report('cone', 'bad', false, `src-${i}`);
  const good = poll('good', 'cone');
  await new Promise((r) => setTimeout(r, 5));
  const bad = poll('bad', 'cone');
  await joined();
  // 'bad' waited less long anyway; make it wait longer to see that failing wins over waiting.
  const o = service.offer({ nat: 'cone', sdp: 'v=0', exclude: [] }, 'fresh');
  await answer(service, good);
  assert.equal(nameOf((await o).volunteer), 'good');
  // cone>cone has 3 failures of the 8 a pairing needs: still offered.
  const o2 = service.offer({ nat: 'cone', sdp: 'v=0', exclude: [] }, 'fresh-2');
  await answer(service, bad);
  assert.equal(nameOf((await o2).volunteer), 'bad', 'failing goes last, not away');
  for (let i = 0; i < 5; i++) await report('cone', `v${i}`, false, `pair-${i}`);
  const ac = new AbortController();
  const waiting = poll('another', 'cone', ac);
  await joined();
  await assert.rejects(service.offer({ nat: 'cone', sdp: 'v=0', exclude: [] }, 'late'), isCode('no-match'));
  const relayed = service.offer({ nat: 'cone', sdp: 'v=0', exclude: [], relay: true }, 'late');
  await answer(service, waiting);
  assert.equal(nameOf((await relayed).volunteer), 'another');
});

test('a source whose volunteers leave offers unanswered goes last, whatever tickets it polls with', async () => {
  const { service, poll, nameOf } = setup({}, 100);
  // A hostile source: every poll under a fresh ticket (a new volunteer id), never answering.
  for (let i = 0; i < 3; i++) {
    void poll(`mute-${i}`, 'public', undefined, 'hostile-src');
    await joined();
    await assert.rejects(
      service.offer({ nat: 'public', sdp: 'v=0', exclude: [] }, `victim-${i}`),
      isCode('timeout'),
    );
  }
  // It waits longer than the honest volunteer, which would win it the next client (§7); its record loses it.
  const mute = poll('mute-3', 'public', undefined, 'hostile-src');
  await new Promise((r) => setTimeout(r, 5));
  const honest = poll('honest', 'public');
  await joined();
  const o = service.offer({ nat: 'public', sdp: 'v=0', exclude: [] }, 'next-client');
  await answer(service, honest);
  assert.equal(nameOf((await o).volunteer), 'honest');
  // Last, not away: alone, it is still offered.
  const alone = service.offer({ nat: 'public', sdp: 'v=0', exclude: [] }, 'another-client');
  await answer(service, mute);
  assert.equal(nameOf((await alone).volunteer), 'mute-3');
});

test('a crowd of polls that never answered waits behind a volunteer whose source has answered', async () => {
  const { service, poll, nameOf } = setup({}, 100);
  // The honest volunteer answers one client: its source is proven (signaling-v1 §11).
  const first = poll('honest', 'public');
  await joined();
  const o1 = service.offer({ nat: 'public', sdp: 'v=0', exclude: [] }, 'client-1');
  await answer(service, first);
  assert.equal(nameOf((await o1).volunteer), 'honest');
  // A crowd from fresh sources with no record, each claiming the least open class and waiting longer.
  const crowd = Array.from({ length: 4 }, (_, i) => poll(`crowd-${i}`, 'symmetric'));
  await new Promise((r) => setTimeout(r, 5));
  const again = poll('honest', 'public');
  await joined();
  const o2 = service.offer({ nat: 'public', sdp: 'v=0', exclude: [] }, 'client-2');
  await answer(service, again);
  assert.equal(nameOf((await o2).volunteer), 'honest', 'the proven one, not the crowd');
  // With the proven one busy, the crowd is still offered: a new honest volunteer must get its first client.
  const o3 = service.offer({ nat: 'public', sdp: 'v=0', exclude: [] }, 'client-3');
  const got = await Promise.race(crowd.map((p) => p.then((r) => (r.offer === null ? undefined : r))));
  assert.ok(got?.offer);
  await service.answer({ offerId: got.offer.id, sdp: 'v=0 answer' });
  assert.match(nameOf((await o3).volunteer) ?? '', /^crowd-/);
});
