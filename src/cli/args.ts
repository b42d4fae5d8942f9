/** Small, strict argument helpers for the CLI: every bad value is a UsageError naming the flag. */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The command line was fine but the command cannot run: a port in use, Redis down, an unreadable key file.
 * Printed with its reason and no usage, exit code 1.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Values): Promise<number | undefined>;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * Keys are base64url and may start with '-', which parseArgs would take for an option: a value after a
 * string option is joined to it (`--egress-key -Ab...` -> `--egress-key=-Ab...`) unless it is itself an option.
 */
function joinDashValues(cmd: Command, argv: string[]): string[] {
  const known = new Set(
    Object.keys(cmd.options)
      .map((name) => `--${name}`)
      .concat('--help', '-h'),
  );
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const option = cmd.options[arg.slice(2)];
    if (arg.startsWith('--') && option?.type === 'string' && next?.startsWith('-') && !known.has(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

export function parse(cmd: Command, argv: string[]): Values | 'help' {
  try {
    const { values } = parseArgs({
      args: joinDashValues(cmd, argv),
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help === true) return 'help';
    return values as Values;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

export function str(v: Values, name: string, fallback?: string): string {
  const value = v[name];
  if (typeof value === 'string') return value;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`--${name} is required`);
}

export function list(v: Values, name: string): string[] {
  const value = v[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

export function int(v: Values, name: string, fallback: number, min: number, max: number): number {
  const value = v[name];
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${String(value)}`);
  }
  return n;
}

/** `host:port`, `[v6]:port` or `:port`; port 0 means any free port. */
export function hostPort(v: Values, name: string, fallback: string): { host: string; port: number } {
  const text = str(v, name, fallback);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new UsageError(`--${name} must look like 127.0.0.1:8080, not ${text}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function url(v: Values, name: string, schemes: string[], fallback?: string): string {
  const text = str(v, name, fallback);
  return checkUrl(text, `--${name}`, schemes);
}

export function checkUrl(text: string, what: string, schemes: string[]): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`${what} is not a URL: ${text}`);
  }
  if (!schemes.includes(u.protocol)) {
    throw new UsageError(
      `${what} must be a ${schemes.map((s) => s.replace(':', '')).join(' or ')} URL: ${text}`,
    );
  }
  return u.href;
}

export function helpText(cmd: Command): string {
  return `${cmd.summary}\n\nUsage: starling ${cmd.usage}\n`;
}
