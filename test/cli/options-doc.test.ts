/** docs/options.md is what `npm run docs:options` makes from the option tables: every option, its default. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { commands } from '../../src/cli/main.js';
import { defaultText } from '../../src/cli/options.js';
import { renderOptionsDoc } from '../../src/cli/options-doc.js';

const doc = readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8');

test('docs/options.md matches the option tables (run `npm run docs:options` after changing one)', () => {
  assert.equal(doc, renderOptionsDoc(commands));
});

test('docs/options.md lists every option of every command with its default and variable', () => {
  for (const cmd of commands) {
    const section = doc.split(`\n## starling ${cmd.name}\n`)[1]?.split('\n## ')[0];
    assert.ok(section, `a section for starling ${cmd.name}`);
    for (const o of cmd.options) {
      const row = section.split('\n').find((l) => l.startsWith(`| \`--${o.name}\` |`));
      assert.ok(row, `starling ${cmd.name} --${o.name} is documented`);
      const value = defaultText(o);
      if (value !== undefined) assert.ok(row.includes(`\`${value.replace(/\|/g, '\\|')}\``), row);
      assert.ok(row.includes(`STARLING_${o.name.toUpperCase().replace(/-/g, '_')}`), row);
    }
  }
});
