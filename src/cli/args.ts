/** Small, strict value helpers for the CLI: every bad value is a UsageError naming the flag. */
import { UsageError } from './errors.js';
import type { Values } from './options.js';

export { StartupError, UsageError } from './errors.js';
export type { Command, Option, Values } from './options.js';
export { helpText, parse } from './options.js';

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
  if (typeof value === 'number' && value >= min && value <= max) return value;
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

/** An integer option's value (the table has checked its range and filled in its default). */
export function num(v: Values, name: string): number {
  const value = v[name];
  if (typeof value !== 'number') throw new UsageError(`--${name} is required`);
  return value;
}
