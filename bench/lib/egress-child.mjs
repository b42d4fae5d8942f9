/**
 * An in-process egress in its own process, for memory measurements (bench/memory.ts, bench/flood.ts). Run
 * with --expose-gc. Prints `{"port", "key"}` once listening; then for every `measure` line on stdin, collects
 * garbage and prints `{"heap", "external", "sessions", "halfOpen", "paths", "replayCache"}` (bytes, bytes,
 * then counts); for every `peek` line the same without collecting garbage first.
 *
 * Plain JavaScript on the compiled dist/ (built by `npm run bench`), not TypeScript through tsx: tsx keeps
 * every function's name by defining a `name` property on it, which gives each closure a property store
 * (~250 bytes under V8), so under tsx every closure a session holds counted some 250 bytes the real
 * egress does not spend (issue 11).
 */
import { createInterface } from 'node:readline';
import { createEgress } from '../../dist/egress/server.js';
import { encodeKey, generateKeyPair } from '../../dist/session/noise.js';

const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const keys = generateKeyPair();
const egress = createEgress({ keys, allowPrivate: true });
const { port } = await egress.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port, key: encodeKey(keys.publicKey) })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'measure' && line !== 'peek') continue;
  for (let i = 0; line === 'measure' && i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  const report = {
    heap: m.heapUsed,
    external: m.external,
    sessions: egress.sessions.size,
    halfOpen: egress.sessions.halfOpenCount,
    paths: egress.pathCount,
    replayCache: egress.sessions.replayCacheSize,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
await egress.close();
