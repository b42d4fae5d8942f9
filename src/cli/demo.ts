/**
 * `starling demo` (what `npm start` runs): a whole local Starling network, one process per role, so a
 * person can try the tunnel with curl, and a browser tab can join as a volunteer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type DemoWeb, startDemoWeb } from '../demo/web.js';
import { encodeKey, generateKeyPair } from '../session/noise.js';
import { type Command, hostPort, num, type Values } from './args.js';
import { writeKeyFile } from './keyfile.js';
import { LOG_OPTIONS, type Logger, logFlags } from './log.js';
import { CONFIG_OPTION, envName } from './options.js';
import { brokerCommand, clientCommand, egressCommand, volunteerCommand } from './roles.js';

const BIN = fileURLToPath(new URL('../../bin/starling.js', import.meta.url));

/** The variables the children's option tables read (STARLING_RTC_LOG and the like pass through). */
const CHILD_ENV = new Set(
  [egressCommand, brokerCommand, volunteerCommand, clientCommand]
    .flatMap((c) => [...c.options, CONFIG_OPTION])
    .map(envName),
);

interface Child {
  name: string;
  proc: ChildProcess;
}

/**
 * Starts `starling ARGS` with the demo's --log-* flags. Its lines are echoed: prefixed with its name as
 * text, as they are (one JSON object each, with its role) as JSON.
 */
function start(name: string, args: string[], children: Child[], log: Logger, v: Values): Child {
  // The demo's own STARLING_* variables and --config are not its children's: each gets its flags only.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CHILD_ENV.has(k)));
  const proc = spawn(process.execPath, [BIN, ...args, ...logFlags(v)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const child = { name, proc };
  children.push(child);
  for (const stream of [proc.stdout, proc.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(log.format === 'json' ? `${line}\n` : `[${name}] ${line}\n`);
    });
  }
  return child;
}

function waitForLine(child: Child, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.proc.stdout! });
    rl.on('line', (line) => {
      const m = pattern.exec(line);
      if (m) {
        rl.close();
        resolve(m);
      }
    });
    child.proc.once('exit', (code) => reject(new Error(`${child.name} exited (${code}) before ${what}`)));
  });
}

async function stopAll(children: Child[]): Promise<void> {
  await Promise.all(
    children.map(
      ({ proc }) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
          proc.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          proc.kill('SIGTERM');
        }),
    ),
  );
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run a whole local network (egress, broker, volunteers, client) until Ctrl-C.',
  options: [
    {
      name: 'allow-private',
      type: 'boolean',
      help: "let the demo's egress reach this machine's own servers (to fetch a local file)",
    },
    {
      name: 'volunteers',
      type: 'integer',
      default: 2,
      min: 0,
      max: 16,
      unit: 'processes',
      help: 'headless volunteers to start (0 leaves the bridging to browser tabs)',
    },
    { name: 'socks', type: 'string', arg: 'ADDR', default: '127.0.0.1:1080', help: 'client SOCKS5 proxy' },
    { name: 'http', type: 'string', arg: 'ADDR', default: '127.0.0.1:8080', help: 'client HTTP proxy' },
    {
      name: 'status',
      type: 'string',
      arg: 'ADDR',
      default: '127.0.0.1:8081',
      help: "the client's status as JSON, at http://ADDR/status",
    },
    { name: 'broker', type: 'string', arg: 'ADDR', default: '127.0.0.1:8700', help: 'broker address' },
    { name: 'egress', type: 'string', arg: 'ADDR', default: '127.0.0.1:8701', help: 'egress address' },
    {
      name: 'web',
      type: 'string',
      arg: 'ADDR',
      default: '127.0.0.1:8702',
      help: 'demo news page with the <starling-bridge> widget',
    },
    ...LOG_OPTIONS,
  ],
  async run(v, { log }) {
    const volunteers = num(v, 'volunteers');
    const socks = hostPort(v, 'socks', '127.0.0.1:1080');
    const http = hostPort(v, 'http', '127.0.0.1:8080');
    const status = hostPort(v, 'status', '127.0.0.1:8081');
    const broker = hostPort(v, 'broker', '127.0.0.1:8700');
    const egress = hostPort(v, 'egress', '127.0.0.1:8701');
    const webAddr = hostPort(v, 'web', '127.0.0.1:8702');
    let web: DemoWeb | undefined;
    const allowPrivate = v['allow-private'] === true;
    const dir = mkdtempSync(join(tmpdir(), 'starling-demo-'));
    const keyFile = join(dir, 'egress-key.json');
    const keys = generateKeyPair();
    await writeKeyFile(keyFile, keys);
    const children: Child[] = [];
    let stopping = false;
    const stop = async (code: number) => {
      if (stopping) return code;
      stopping = true;
      await web?.close();
      await stopAll(children);
      rmSync(dir, { recursive: true, force: true });
      return code;
    };
    const died = new Promise<number>((resolve) => {
      const watch = setInterval(() => {
        const dead = children.find((c) => c.proc.exitCode !== null || c.proc.signalCode !== null);
        if (dead && !stopping) {
          clearInterval(watch);
          log.error(`${dead.name} stopped unexpectedly; shutting down`);
          resolve(1);
        }
      }, 200);
      watch.unref();
    });
    const signalled = new Promise<number>((resolve) => {
      process.once('SIGINT', () => resolve(0));
      process.once('SIGTERM', () => resolve(0));
    });
    try {
      const egressUrl = `ws://${egress.host}:${egress.port}/`;
      const brokerUrl = `http://${broker.host}:${broker.port}/`;
      const e = start(
        'egress',
        [
          'egress',
          '--listen',
          `${egress.host}:${egress.port}`,
          '--key',
          keyFile,
          ...(allowPrivate ? ['--allow-private'] : []),
        ],
        children,
        log,
        v,
      );
      const b = start(
        'broker',
        ['broker', '--listen', `${broker.host}:${broker.port}`, '--egress', egressUrl],
        children,
        log,
        v,
      );
      await Promise.all([
        waitForLine(e, /listening on/, 'listening'),
        waitForLine(b, /listening on/, 'listening'),
      ]);
      for (let i = 1; i <= volunteers; i++) {
        start(
          `volunteer-${i}`,
          ['volunteer', '--broker', brokerUrl, '--allow-egress', egressUrl, '--ice-address', '127.0.0.1'],
          children,
          log,
          v,
        );
      }
      const c = start(
        'client',
        [
          'client',
          '--broker',
          brokerUrl,
          '--egress-key',
          encodeKey(keys.publicKey),
          '--socks',
          `${socks.host}:${socks.port}`,
          '--http',
          `${http.host}:${http.port}`,
          '--paths',
          String(Math.min(2, Math.max(1, volunteers))),
          '--ice-address',
          '127.0.0.1',
          '--status',
          `${status.host}:${status.port}`,
        ],
        children,
        log,
        v,
      );
      // The client prints where its status is after its proxies are up.
      await waitForLine(c, /status on http/, 'its proxies were up');
      const statusUrl = `http://${status.host}:${status.port}/status`;
      const pacUrl = `http://${http.host}:${http.port}/proxy.pac`;
      web = await startDemoWeb({ host: webAddr.host, port: webAddr.port, brokerUrl, egressUrl });
      const target = allowPrivate ? `http://${broker.host}:${broker.port}/healthz` : 'https://example.com/';
      // The banner is the demo's user interface; as JSON it is one record like any other line.
      if (log.format === 'json') {
        log.info('demo network is up', {
          socks: `${socks.host}:${socks.port}`,
          http: `${http.host}:${http.port}`,
          pac: pacUrl,
          status: statusUrl,
          broker: brokerUrl,
          egress: egressUrl,
          web: web.url,
          map: `${brokerUrl}map`,
          volunteers,
        });
      } else
        console.log(
          [
            '',
            'Starling demo network is up.',
            `  SOCKS5 proxy:  ${socks.host}:${socks.port}`,
            `  HTTP proxy:    ${http.host}:${http.port}   (auto-config: ${pacUrl})`,
            `  client status: ${statusUrl}`,
            `  broker:        ${brokerUrl}   egress: ${egressUrl}`,
            `  volunteers:    ${volunteers} headless`,
            `  web page:      open ${web.url} and flip the switch to become a bridge`,
            `                 (${web.url}embed shows how to embed the widget on a site)`,
            `  network map:   ${brokerUrl}map   (volunteers, clients and matches, live)`,
            'Try:',
            `  curl -x socks5h://${socks.host}:${socks.port} ${target}`,
            `  curl -x http://${http.host}:${http.port} ${target}`,
            allowPrivate ? '' : '  (add --allow-private to fetch from servers on this machine)',
            'Ctrl-C stops everything.',
            '',
          ].join('\n'),
        );
    } catch (err) {
      log.error((err as Error).message);
      return stop(1);
    }
    return stop(await Promise.race([signalled, died]));
  },
};
