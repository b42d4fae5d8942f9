/**
 * The lab benchmark's hands inside a client host (bench/lab.ts starts it there with an IPC channel): the
 * benchmark process lives in another network namespace and cannot reach the client's proxies, so this
 * process does the downloads and timings where the user's apps would, and answers over IPC.
 *   {id, op: 'download', via: 'socks' | 'direct', host, port, socksPort?, bytes, markAt?}
 *       -> {id, ms, firstByteMs, maxGapMs, markGapMs}; with markAt it sends {id, event: 'mark'} when that
 *          many bytes have arrived (the benchmark then kills a volunteer), and markGapMs is the longest gap
 *          between chunks from then on
 *   {id, op: 'ttfb', argv, socksPort, host, port}
 *       -> {id, listeningMs, firstByteMs}: spawns `argv` (a client), polls socksPort until it accepts,
 *          then fetches one byte through it; both times from the spawn; then kills the client
 *   {id, op: 'ttfb', ..., lines: true}
 *       -> also {startedAt, firstByteAt, lines: [{at, line}]}: the spawn and the first byte as epoch ms
 *          (performance.timeOrigin + now, comparable across the lab's namespaces), and every line of the
 *          client's stdout and stderr with the time it arrived here; the client is stopped with SIGTERM
 *   {id, op: 'rtt', host, port, count} -> {id, ms: number[]}: TCP connect times
 * Any failure answers {id, error}.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { socksConnect } from '../../test/helpers/http-target.js';
import { withTimeout } from './tcp-target.js';

type Request =
  | {
      id: number;
      op: 'download';
      via: 'socks' | 'direct';
      host: string;
      port: number;
      socksPort?: number;
      bytes: number;
      markAt?: number;
      timeoutMs?: number;
    }
  | {
      id: number;
      op: 'ttfb';
      argv: string[];
      socksPort: number;
      host: string;
      port: number;
      lines?: boolean;
    }
  | { id: number; op: 'rtt'; host: string; port: number; count: number };

function send(message: object): void {
  process.send?.(message);
}

function direct(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host, () => resolve(s));
    s.once('error', reject);
  });
}

async function download(req: Extract<Request, { op: 'download' }>) {
  const start = performance.now();
  const opening =
    req.via === 'socks'
      ? socksConnect(req.socksPort ?? 1080, req.host, req.port)
      : direct(req.host, req.port);
  const sock = await withTimeout(opening, 30_000, 'connect');
  try {
    sock.write(`SRC ${req.bytes}\n`);
    let got = 0;
    let first = 0;
    let last = 0;
    let maxGap = 0;
    let marked = 0;
    let markGap = 0;
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        sock.on('data', (d: Buffer) => {
          const now = performance.now();
          if (got === 0) first = now;
          else maxGap = Math.max(maxGap, now - last);
          if (marked > 0) markGap = Math.max(markGap, now - last);
          last = now;
          got += d.length;
          if (marked === 0 && req.markAt !== undefined && got >= req.markAt) {
            marked = now;
            send({ id: req.id, event: 'mark' });
          }
        });
        sock.on('error', reject);
        sock.on('close', () => (got >= req.bytes ? resolve() : reject(new Error(`cut at ${got} bytes`))));
      }),
      req.timeoutMs ?? 180_000,
      'download',
    );
    return { ms: last - start, firstByteMs: first - start, maxGapMs: maxGap, markGapMs: markGap };
  } finally {
    sock.destroy();
  }
}

async function accepting(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await direct('127.0.0.1', port).then(
      (s) => {
        s.destroy();
        return true;
      },
      () => false,
    );
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`port ${port} not accepting`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const epoch = (): number => performance.timeOrigin + performance.now();

async function ttfb(req: Extract<Request, { op: 'ttfb' }>) {
  const t0 = performance.now();
  const startedAt = epoch();
  const child = spawn(req.argv[0]!, req.argv.slice(1), {
    stdio: ['ignore', req.lines === true ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const lines: { at: number; line: string }[] = [];
  if (req.lines === true) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => lines.push({ at: epoch(), line }));
    }
  }
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`client exited (${code}): ${stderr.slice(-500)}`))),
  );
  died.catch(() => undefined);
  try {
    await Promise.race([accepting(req.socksPort, t0 + 30_000), died]);
    const listeningMs = performance.now() - t0;
    const d = await Promise.race([
      download({
        id: req.id,
        op: 'download',
        via: 'socks',
        host: req.host,
        port: req.port,
        socksPort: req.socksPort,
        bytes: 1,
        timeoutMs: 30_000,
      }),
      died,
    ]);
    const firstByteMs = listeningMs + d.firstByteMs;
    if (req.lines !== true) return { listeningMs, firstByteMs };
    return { listeningMs, firstByteMs, startedAt, firstByteAt: startedAt + firstByteMs, lines };
  } catch (e) {
    // The lines say why: keep them in the error for the benchmark's log.
    if (req.lines === true) {
      const tail = lines.slice(-30).map((l) => `  ${l.line}`);
      throw new Error(`${(e as Error).message}\n${tail.join('\n')}`);
    }
    throw e;
  } finally {
    if (req.lines === true && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    } else child.kill('SIGKILL');
  }
}

async function rtt(req: Extract<Request, { op: 'rtt' }>) {
  const ms: number[] = [];
  for (let i = 0; i < req.count; i++) {
    const t = performance.now();
    (await direct(req.host, req.port)).destroy();
    ms.push(performance.now() - t);
  }
  return { ms };
}

process.on('message', (req: Request) => {
  const work = req.op === 'download' ? download(req) : req.op === 'ttfb' ? ttfb(req) : rtt(req);
  work.then(
    (result) => send({ id: req.id, ...result }),
    (e: unknown) => send({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ event: 'ready' });
