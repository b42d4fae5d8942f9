/** The order, fallback and memory of rendezvous methods (src/signaling/rendezvous.ts), with fake methods. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileRendezvousMemory } from '../../src/client/rendezvous-state.js';
import { BrokerClient, SignalingError } from '../../src/signaling/client.js';
import { Rendezvous, type RendezvousMemory, type RendezvousMethod } from '../../src/signaling/rendezvous.js';
import { isCode } from '../broker/helpers.js';

const INFO = { status: 200, body: new TextEncoder().encode('{"v":1,"egress":["ws://e/"]}') };
const NO_MATCH = {
  status: 503,
  body: new TextEncoder().encode('{"v":1,"error":"none","code":"no-match","retryAfterMs":700}'),
};

type Behaviour = 'ok' | 'no-match' | 'down' | 'garbage' | 'hang';

/** A method that does what `behaviour()` says, counting its calls. */
function fake(name: string, behaviour: () => Behaviour) {
  const calls: string[] = [];
  const method: RendezvousMethod = {
    name,
    exchange: async (request, signal) => {
      calls.push(request.path);
      switch (behaviour()) {
        case 'ok':
          return INFO;
        case 'no-match':
          return NO_MATCH;
        case 'garbage':
          return { status: 502, body: new TextEncoder().encode('<html>bad gateway</html>') };
        case 'down':
          throw new SignalingError('unreachable', `${name} is blocked`);
        case 'hang':
          return new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          );
      }
    },
  };
  return { method, calls };
}

function memory(initial?: string): RendezvousMemory & { saved: string[] } {
  const saved: string[] = [];
  return { saved, load: () => initial, save: (m) => saved.push(m) };
}

test('methods are tried in order past unreachable and unreadable answers; the one that worked goes first', async () => {
  let directWorks = false;
  const direct = fake('direct', () => (directWorks ? 'ok' : 'down'));
  const front = fake('front', () => 'garbage');
  const get = fake('get', () => 'ok');
  const mem = memory();
  const lines: string[] = [];
  const rendezvous = new Rendezvous([direct.method, front.method, get.method], {
    memory: mem,
    log: (l) => lines.push(l),
  });
  const client = new BrokerClient('https://broker.example/', { rendezvous });
  assert.equal(rendezvous.preferred, 'direct');
  assert.deepEqual(await client.info(), { egress: ['ws://e/'] });
  assert.deepEqual([direct.calls.length, front.calls.length, get.calls.length], [1, 1, 1]);
  assert.equal(rendezvous.preferred, 'get');
  assert.deepEqual(mem.saved, ['get']);
  assert.ok(
    lines.some((l) => /direct failed \(direct is blocked\)/.test(l)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /front failed \(broker answered HTTP 502\)/.test(l)),
    lines.join('\n'),
  );
  // Next time get goes first, and alone while it works.
  directWorks = true;
  await client.info();
  assert.deepEqual([direct.calls.length, front.calls.length, get.calls.length], [1, 1, 2]);
  assert.deepEqual(mem.saved, ['get'], 'nothing new to remember');
});

test("a broker's own error means the way works: no other method is tried, and it is remembered", async () => {
  const direct = fake('direct', () => 'down');
  const front = fake('front', () => 'no-match');
  const get = fake('get', () => 'ok');
  const mem = memory();
  const client = new BrokerClient('https://broker.example/', {
    rendezvous: new Rendezvous([direct.method, front.method, get.method], { memory: mem }),
  });
  await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));
  assert.deepEqual([direct.calls, front.calls, get.calls], [['v1/client/offer'], ['v1/client/offer'], []]);
  assert.deepEqual(mem.saved, ['front']);
});

test('when every way fails, the last failure is thrown', async () => {
  const client = new BrokerClient('https://broker.example/', {
    rendezvous: new Rendezvous([fake('direct', () => 'garbage').method, fake('front', () => 'down').method]),
  });
  await assert.rejects(client.info(), (err: unknown) => {
    assert.ok(isCode('unreachable')(err));
    assert.match((err as Error).message, /front is blocked/);
    return true;
  });
});

test('each method gets its own requestTimeoutMs: a way that hangs does not eat the next one', async () => {
  const direct = fake('direct', () => 'hang');
  const front = fake('front', () => 'ok');
  const client = new BrokerClient('https://broker.example/', {
    requestTimeoutMs: 50,
    rendezvous: new Rendezvous([direct.method, front.method]),
  });
  assert.deepEqual(await client.info(), { egress: ['ws://e/'] });
  assert.deepEqual([direct.calls.length, front.calls.length], [1, 1]);
});

test("the caller's abort passes through unchanged and is not taken for a way that failed", async () => {
  const direct = fake('direct', () => 'hang');
  const front = fake('front', () => 'ok');
  const mem = memory();
  const client = new BrokerClient('https://broker.example/', {
    rendezvous: new Rendezvous([direct.method, front.method], { memory: mem }),
  });
  const controller = new AbortController();
  const reason = new Error('stopped');
  const info = client.info(controller.signal);
  setTimeout(() => controller.abort(reason), 10);
  await assert.rejects(info, (err) => err === reason);
  assert.deepEqual([front.calls.length, mem.saved.length], [0, 0]);
});

test('a remembered method goes first; an unknown or absent one leaves the given order', () => {
  const methods = [fake('direct', () => 'ok').method, fake('get', () => 'ok').method];
  assert.equal(new Rendezvous(methods, { memory: memory('get') }).preferred, 'get');
  assert.equal(new Rendezvous(methods, { memory: memory('front') }).preferred, 'direct');
  assert.throws(() => new Rendezvous([]), RangeError);
  assert.throws(() => new Rendezvous([methods[0]!, methods[0]!]), RangeError);
});

test('the state dir keeps one method per broker in rendezvous.json; a broken file is an empty memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'starling-rendezvous-'));
  try {
    const a = fileRendezvousMemory(join(dir, 'state'), 'https://a.example/');
    const b = fileRendezvousMemory(join(dir, 'state'), 'https://b.example/');
    assert.equal(a.load(), undefined, 'no file yet');
    a.save('front');
    b.save('get');
    a.save('get');
    const file = join(dir, 'state', 'rendezvous.json');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
      v: 1,
      brokers: { 'https://b.example/': 'get', 'https://a.example/': 'get' },
    });
    assert.equal(fileRendezvousMemory(join(dir, 'state'), 'https://a.example/').load(), 'get');
    writeFileSync(file, '{not json');
    assert.equal(a.load(), undefined);
    const errors: string[] = [];
    writeFileSync(join(dir, 'plain-file'), '');
    fileRendezvousMemory(join(dir, 'plain-file'), 'https://a.example/', (m) => errors.push(m)).save('get');
    assert.match(errors[0] ?? '', /cannot remember the rendezvous method in .*plain-file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a `first` method goes before all others while ready, falls back when it fails, and is never remembered', async () => {
  let tunnel: Behaviour = 'ok';
  let ready = false;
  const first = fake('tunnel', () => tunnel);
  const direct = fake('direct', () => 'ok');
  const front = fake('front', () => 'ok');
  const saved: string[] = [];
  const lines: string[] = [];
  const rendezvous = new Rendezvous([direct.method, front.method], {
    first: { ...first.method, ready: () => ready },
    memory: { load: () => 'front', save: (m) => saved.push(m) },
    log: (l) => lines.push(l),
  });
  const client = new BrokerClient('http://broker.invalid/', { rendezvous });
  await client.info();
  assert.deepEqual(
    [first.calls.length, front.calls.length],
    [0, 1],
    'not ready: the chain, from the remembered',
  );
  ready = true;
  await client.info();
  assert.deepEqual([first.calls.length, front.calls.length], [1, 1], 'ready: first, and nothing else');
  tunnel = 'down';
  await client.info();
  assert.deepEqual([first.calls.length, front.calls.length], [2, 2], 'failed: the chain after it');
  tunnel = 'no-match';
  await assert.rejects(client.info(), isCode('no-match'));
  assert.equal(front.calls.length, 2, "the broker's own answer through it is final");
  assert.deepEqual(saved, [], 'the first method is never remembered');
  assert.ok(lines.some((l) => /tunnel failed \(tunnel is blocked\)/.test(l)));
  assert.ok(lines.some((l) => /reaching the broker by tunnel/.test(l)));
  assert.equal(direct.calls.length, 0);
});
