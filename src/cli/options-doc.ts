/**
 * docs/options.md, generated from the option tables (`npm run docs:options`); test/cli/options-doc.test.ts
 * fails when the file and the tables disagree.
 */
import { CONFIG_OPTION, type Command, defaultText, envName, type Option, synopsis } from './options.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');

function typeText(o: Option): string {
  if (o.type === 'list') return `${o.arg ?? 'VALUE'}, repeatable`;
  if (o.type === 'integer') return `${o.arg ?? 'N'}: ${o.min ?? 0} to ${o.max ?? Number.MAX_SAFE_INTEGER}`;
  if (o.type === 'boolean') return 'switch';
  return o.arg ?? 'VALUE';
}

function row(o: Option): string {
  const value = defaultText(o);
  const dflt = value === undefined ? (o.required === true ? '**required**' : '') : `\`${value}\``;
  return `| \`--${o.name}\` | ${cell(typeText(o))} | ${cell(dflt)} | ${o.unit ?? ''} | \`${envName(o)}\` | ${cell(o.help)} |`;
}

export function renderOptionsDoc(commands: readonly Command[]): string {
  const out = [
    '# Options of every command',
    '',
    '<!-- Generated from src/cli/ by `npm run docs:options`; edit the option tables there, not this file. -->',
    '',
    'Every option can be given three ways. From lowest to highest precedence:',
    '',
    '1. a JSON config file, `--config FILE` (or `STARLING_CONFIG=FILE`): an object whose keys are the',
    '   options\' names without dashes, e.g. `{"listen": "127.0.0.1:8701", "max-sockets": 2048, "deny":',
    '   ["203.0.113.7"], "allow-private": false}`. Integers are JSON numbers, repeatable options arrays of',
    '   strings, switches `true`/`false`. An unknown key or a value of the wrong type is a usage error naming',
    '   the key (exit 2);',
    '2. an environment variable `STARLING_<OPTION>` (the name upper-cased, dashes as underscores):',
    '   repeatable options take a comma-separated list, switches `true`/`false`/`1`/`0`;',
    '3. a flag on the command line. A flag of a repeatable option replaces the whole list from the file or',
    '   the environment.',
    '',
    'An option given nowhere takes its default. `starling --version` (or `-V`) prints the version;',
    '`starling COMMAND --help` prints the same table as text.',
    '',
  ];
  for (const cmd of commands) {
    out.push(`## starling ${cmd.name}`, '', cmd.summary, '', '```', synopsis(cmd), '```', '');
    out.push('| option | value | default | unit | environment | what it does |');
    out.push('| --- | --- | --- | --- | --- | --- |');
    for (const o of [...cmd.options, CONFIG_OPTION]) out.push(row(o));
    if (cmd.notes !== undefined) out.push('', cmd.notes);
    out.push('');
  }
  return out.join('\n');
}
