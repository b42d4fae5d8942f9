/**
 * A private redis-server for tests and benchmarks: on 127.0.0.1, a port the OS picked, no persistence.
 * Missing or unstartable redis-server is an error, never a skip: npm test installs it first
 * (scripts/system-deps.mjs).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { watchChild } from './child.js';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL after a second). */
  stop(): Promise<void>;
}

const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 10_000;

/** The redis-server binary: $REDIS_SERVER, else the first on PATH, else /usr/bin/redis-server. */
function findRedisServer(): string {
  const candidates = [
    process.env.REDIS_SERVER,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'redis-server')),
    '/usr/bin/redis-server',
  ];
  for (const path of candidates) {
    if (path === undefined || path === '') continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  throw new Error(
    'redis-server not found: the Redis store tests need it (apt-get install -y redis-server; npm test installs it)',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket; true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('+PONG')));
  });
}

async function startOnce(binary: string): Promise<RedisServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const watched = watchChild(
    spawn(binary, [...args, '--dir', tmpdir(), '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  watched.child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await ping(port))) {
    if (watched.gone || Date.now() > deadline) {
      await watched.stop('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}: ${stderr.trim() || 'no answer to PING'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}/`,
    port,
    stop: () => watched.stop('SIGTERM', 1_000),
  };
}

/** Starts a private redis-server; retries with another port if one was taken meanwhile. */
export async function startRedis(): Promise<RedisServer> {
  const binary = findRedisServer();
  let lastError: unknown;
  for (let i = 0; i < START_ATTEMPTS; i++) {
    try {
      return await startOnce(binary);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
