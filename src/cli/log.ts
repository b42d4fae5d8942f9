/**
 * The CLI's one logger: levels, ISO time, text or JSON lines, and IP addresses scrubbed from every line
 * unless `--log-addresses` (as Snowflake's safelog does: a scrubber on the output, not a promise that each
 * message leaves addresses out, since error messages from libraries carry them too).
 *
 * text: `2026-12-02T01:00:00.000Z info  starling egress: listening on ws://[scrubbed]:8701/`
 * json: `{"time":"2026-12-02T01:00:00.000Z","level":"info","role":"egress","msg":"listening on ..."}`
 * error and warn go to stderr, info and debug to stdout.
 */
import { isIP } from 'node:net';
import type { Option, Values } from './options.js';

export const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type Level = (typeof LEVELS)[number];
export type LogFormat = 'text' | 'json';
export type Fields = Record<string, string | number | boolean>;

/** Every long-running command takes these. */
export const LOG_OPTIONS: Option[] = [
  {
    name: 'log-format',
    type: 'string',
    arg: 'FORMAT',
    default: 'text',
    choices: ['text', 'json'],
    help: 'text lines, or one JSON object a line (time, level, role, msg)',
  },
  {
    name: 'log-level',
    type: 'string',
    arg: 'LEVEL',
    default: 'info',
    choices: LEVELS,
    help: 'error, warn, info or debug: log this level and the more severe ones',
  },
  {
    name: 'log-addresses',
    type: 'boolean',
    help: 'keep IP addresses in log lines (by default every IPv4 and IPv6 address is replaced by [scrubbed])',
  },
];

export const SCRUBBED = '[scrubbed]';

// Candidates only; each is confirmed with isIP, so times (01:02:03) and versions stay as they are.
const IPV4 = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)/g;
const IPV6 =
  /(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?::\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w-]+)?(?![\w:]|\.\d)/gi;

/** `text` with every IPv4 and IPv6 address replaced by [scrubbed]. */
export function scrubAddresses(text: string): string {
  return text
    .replace(IPV6, (m) => (isIP(m.replace(/%.*$/, '')) === 6 ? SCRUBBED : m))
    .replace(IPV4, (m) => (isIP(m) === 4 ? SCRUBBED : m));
}

export interface LoggerOptions {
  role: string;
  format?: LogFormat;
  level?: Level;
  /** Keep IP addresses (`--log-addresses`). @default false */
  addresses?: boolean;
  /** Where lines go; tests pass their own. @default stdout for info/debug, stderr for warn/error */
  write?: (line: string, level: Level) => void;
  now?: () => Date;
}

const defaultWrite = (line: string, level: Level) =>
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);

export class Logger {
  readonly role: string;
  readonly format: LogFormat;
  readonly level: Level;
  readonly addresses: boolean;
  readonly #write: (line: string, level: Level) => void;
  readonly #now: () => Date;

  constructor(opts: LoggerOptions) {
    this.role = opts.role;
    this.format = opts.format ?? 'text';
    this.level = opts.level ?? 'info';
    this.addresses = opts.addresses ?? false;
    this.#write = opts.write ?? defaultWrite;
    this.#now = opts.now ?? (() => new Date());
  }

  enabled(level: Level): boolean {
    return LEVELS.indexOf(level) <= LEVELS.indexOf(this.level);
  }

  log(level: Level, msg: string, fields: Fields = {}): void {
    if (!this.enabled(level)) return;
    const clean = (s: string) => (this.addresses ? s : scrubAddresses(s));
    const time = this.#now().toISOString();
    let line: string;
    if (this.format === 'json') {
      const record: Record<string, string | number | boolean> = { time, level, role: this.role, msg };
      for (const [k, v] of Object.entries(fields)) if (!(k in record)) record[k] = v;
      line = clean(JSON.stringify(record));
    } else {
      const extra = Object.entries(fields).map(
        ([k, v]) => ` ${k}=${typeof v === 'string' ? JSON.stringify(v) : v}`,
      );
      line = clean(`${time} ${level.padEnd(5)} starling ${this.role}: ${msg}${extra.join('')}`);
    }
    this.#write(line, level);
  }

  error = (msg: string, fields?: Fields) => this.log('error', msg, fields);
  warn = (msg: string, fields?: Fields) => this.log('warn', msg, fields);
  info = (msg: string, fields?: Fields) => this.log('info', msg, fields);
  debug = (msg: string, fields?: Fields) => this.log('debug', msg, fields);
}

/** The command's logger from its --log-* values (LOG_OPTIONS, checked when parsed; defaults without them). */
export function loggerFrom(role: string, v: Values): Logger {
  return new Logger({
    role,
    format: v['log-format'] === 'json' ? 'json' : 'text',
    level: LEVELS.find((l) => l === v['log-level']) ?? 'info',
    addresses: v['log-addresses'] === true,
  });
}

/** The --log-* flags that give a child process the same logging as `v` (the demo's children). */
export function logFlags(v: Values): string[] {
  return [
    ...(typeof v['log-format'] === 'string' ? ['--log-format', v['log-format']] : []),
    ...(typeof v['log-level'] === 'string' ? ['--log-level', v['log-level']] : []),
    ...(v['log-addresses'] === true ? ['--log-addresses'] : []),
  ];
}
