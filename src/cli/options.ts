/**
 * The option table: every option of every command is one `Option` entry, and everything else follows from
 * the table: the flags parseArgs accepts, `--config FILE` keys, `STARLING_*` environment variables, the
 * `--help` text and docs/options.md (`npm run docs:options`).
 *
 * Precedence, lowest first: the option's default, the config file, the environment, the command line.
 */
import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import type { Logger } from './log.js';

export type OptionType = 'string' | 'boolean' | 'integer' | 'list';

export interface Option {
  /** The flag without dashes (`max-clients`); also the config file key. */
  name: string;
  /**
   * `string`: one value; `list`: repeatable (`--stun A --stun B`; a JSON array in the config file,
   * comma-separated in the environment); `integer`: a whole number from `min` to `max`; `boolean`: a switch.
   */
  type: OptionType;
  /** What the value looks like in the help text: ADDR, FILE, URL, N. */
  arg?: string;
  /** Used when the option is given nowhere; the command sees it as if given. */
  default?: string | number | boolean | readonly string[];
  /**
   * Said in the help instead of a value, when the command decides without the option ("the system's
   * resolver"). The command then sees `undefined`.
   */
  defaultText?: string;
  /** The unit of an integer: ms, bytes, bytes/s, sockets. */
  unit?: string;
  min?: number;
  max?: number;
  /** A string option's only allowed values. */
  choices?: readonly string[];
  /** The command cannot run without it (from a flag, the environment or the config file). */
  required?: boolean;
  /** One line or a few; plain text, no trailing full stop needed. */
  help: string;
  /** Printed as a heading above this option in the help and the docs. */
  heading?: string;
}

export type Value = string | boolean | number | string[];
export type Values = Record<string, Value | undefined>;

export interface Command {
  name: string;
  summary: string;
  options: readonly Option[];
  /** Paragraphs after the options in the help text (signals, exit codes). */
  notes?: string;
  run(values: Values, context: RunContext): Promise<number | undefined>;
}

/** What main() gives a command besides its values. */
export interface RunContext {
  /** The command's logger, set up from its --log-* options (defaults where it has none). */
  log: Logger;
}

/** Every command also takes these (not listed in its table). */
export const CONFIG_OPTION: Option = {
  name: 'config',
  type: 'string',
  arg: 'FILE',
  help: 'a JSON file of options, keys as the flags\' names without dashes: {"listen": "127.0.0.1:8701"}; flags and STARLING_* variables override it',
};

/** `max-clients` -> `STARLING_MAX_CLIENTS`. */
export function envName(option: Pick<Option, 'name'>): string {
  return `STARLING_${option.name.toUpperCase().replace(/-/g, '_')}`;
}

function allOptions(cmd: Command): Option[] {
  return [...cmd.options, CONFIG_OPTION];
}

function parseArgsOptions(cmd: Command): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const o of allOptions(cmd)) {
    out[o.name] = { type: o.type === 'boolean' ? 'boolean' : 'string', multiple: o.type === 'list' };
  }
  return out;
}

/**
 * Keys are base64url and may start with '-', which parseArgs would take for an option: a value after a
 * valued option is joined to it (`--egress-key -Ab...` -> `--egress-key=-Ab...`) unless it is itself an option.
 */
function joinDashValues(options: Option[], argv: string[]): string[] {
  const byFlag = new Map(options.map((o) => [`--${o.name}`, o]));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const option = byFlag.get(arg);
    const valued = option !== undefined && option.type !== 'boolean';
    if (valued && next?.startsWith('-') && !byFlag.has(next) && next !== '--help' && next !== '-h') {
      out.push(`${arg}=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

/**
 * A raw value from one source, checked against the option's type; `where` names it in errors. An integer
 * may be digits in `text` (a flag, a variable) but must be a JSON number in the config file.
 */
function convert(o: Option, raw: unknown, where: string, text = true): Value {
  switch (o.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      break;
    case 'string':
      if (typeof raw !== 'string') break;
      if (o.choices !== undefined && !o.choices.includes(raw))
        throw new UsageError(`${where} must be ${o.choices.join(' or ')}, not ${raw}`);
      return raw;
    case 'list':
      if (typeof raw === 'string') return [raw];
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw as string[];
      break;
    case 'integer': {
      const n = text && typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      const min = o.min ?? 0;
      const max = o.max ?? Number.MAX_SAFE_INTEGER;
      if (typeof n === 'number' && Number.isSafeInteger(n) && n >= min && n <= max) return n;
      throw new UsageError(
        `${where} must be a whole number from ${min} to ${max}, not ${text ? String(raw) : JSON.stringify(raw)}`,
      );
    }
  }
  const want = { boolean: 'true or false', string: 'a string', list: 'a string or an array of strings' };
  throw new UsageError(`${where} must be ${want[o.type]}, not ${JSON.stringify(raw)}`);
}

/** An environment variable's text as the option's type: lists are comma-separated, booleans true/false/1/0. */
function fromEnv(o: Option, text: string, where: string): Value {
  if (o.type === 'list') return text.split(',').map((s) => s.trim());
  if (o.type !== 'boolean') return convert(o, text, where);
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off|)$/i.test(text)) return false;
  throw new UsageError(`${where} must be true or false, not ${text}`);
}

function readConfig(cmd: Command, file: string): Values {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config ${file}: ${(e as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new UsageError(`--config ${file}: expected a JSON object of options`);
  const byName = new Map(cmd.options.map((o) => [o.name, o]));
  const out: Values = {};
  for (const [key, raw] of Object.entries(body)) {
    const o = byName.get(key);
    if (!o) throw new UsageError(`--config ${file}: '${key}' is not an option of starling ${cmd.name}`);
    out[key] = convert(o, raw, `'${key}' in ${file}`, false);
  }
  return out;
}

/**
 * The command's values from defaults, `--config`, the environment and `argv`, checked against the table;
 * `'help'` for `--help`. Every mistake is a UsageError naming the flag, variable or config key.
 */
export function parse(
  cmd: Command,
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Values | 'help' {
  const options = allOptions(cmd);
  let flags: Record<string, unknown>;
  try {
    flags = parseArgs({
      args: joinDashValues(options, argv),
      options: parseArgsOptions(cmd),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  if (flags.help === true) return 'help';
  const configFile = typeof flags.config === 'string' ? flags.config : env[envName(CONFIG_OPTION)];
  const file = configFile === undefined || configFile === '' ? {} : readConfig(cmd, configFile);
  const values: Values = {};
  for (const o of cmd.options) {
    const flag = flags[o.name];
    const text = env[envName(o)];
    if (flag !== undefined) values[o.name] = convert(o, flag, `--${o.name}`);
    else if (text !== undefined) values[o.name] = fromEnv(o, text, envName(o));
    else if (file[o.name] !== undefined) values[o.name] = file[o.name];
    else if (o.default !== undefined)
      values[o.name] = Array.isArray(o.default) ? [...o.default] : (o.default as Value);
    if (o.required === true && values[o.name] === undefined) throw new UsageError(`--${o.name} is required`);
  }
  return values;
}

/** The default as the help and the docs say it. */
export function defaultText(o: Option): string | undefined {
  if (o.defaultText !== undefined) return o.defaultText;
  if (o.default === undefined || o.default === false) return undefined;
  if (Array.isArray(o.default)) return o.default.join(', ');
  return String(o.default);
}

/** `default 60000 ms`, `default 127.0.0.1:8701`, `bytes/s`, or nothing. */
function optionNote(o: Option): string {
  const value = defaultText(o);
  if (value === undefined) return o.unit ?? '';
  return o.unit === undefined || o.defaultText !== undefined
    ? `default ${value}`
    : `default ${value} ${o.unit}`;
}

function flagText(o: Option): string {
  return o.type === 'boolean'
    ? `--${o.name}`
    : `--${o.name} ${o.arg ?? (o.type === 'integer' ? 'N' : 'VALUE')}`;
}

/** One line: `starling egress --key FILE [options]`. */
export function synopsis(cmd: Command): string {
  const required = cmd.options.filter((o) => o.required === true).map(flagText);
  return ['starling', cmd.name, ...required, '[options]'].join(' ');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** What `starling CMD --help` prints, and a usage error after its message. */
export function helpText(cmd: Command): string {
  const options = allOptions(cmd);
  const left = Math.min(28, Math.max(...options.map((o) => flagText(o).length)) + 2);
  const out = [cmd.summary, '', `Usage: ${synopsis(cmd)}`, ''];
  for (const o of options) {
    if (o.heading !== undefined) out.push('', `  ${o.heading}`);
    const extra = optionNote(o);
    const body = wrap(`${o.help}${extra === '' ? '' : ` (${extra})`}`, 110 - 4 - left);
    const flag = `  ${flagText(o)}`;
    const first = flag.length + 2 > left + 2 ? [flag, ''.padEnd(left + 2)] : [flag.padEnd(left + 2)];
    out.push(`${first.length === 2 ? `${first[0]}\n${first[1]}` : first[0]}${body[0] ?? ''}`);
    for (const line of body.slice(1)) out.push(`${''.padEnd(left + 2)}${line}`);
  }
  out.push(
    '',
    `  Each option can also be set as STARLING_<OPTION> (${envName(cmd.options[0] ?? CONFIG_OPTION)}) or as a key`,
    '  of the --config file; flags override the environment, which overrides the file.',
  );
  if (cmd.notes !== undefined) out.push('', ...cmd.notes.split('\n').map((l) => (l === '' ? '' : `  ${l}`)));
  return `${out.join('\n')}\n`;
}
